/**
 * DefaultBinder: binds through the Pod's binding subresource (`PodService.BindPod`),
 * the one write by which a scheduler assigns a node. The Binding names the pod's uid,
 * so that a pod deleted and recreated under the same name meanwhile is not bound.
 */
import { Binding } from '../../sdk/gen/wheelhouse/core/v1/binding.js';
import { BindPodRequest } from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { kinds } from '../../sdk/kinds.js';
import type { BindPlugin, PluginFactory } from '../framework/interface.js';
import { Status } from '../framework/status.js';

export const DEFAULT_BINDER = 'DefaultBinder';

export const defaultBinder: PluginFactory = (_args, handle): BindPlugin => {
  const podInfo = kinds.find((k) => k.kind === 'Pod');
  if (podInfo === undefined) throw new Error('the kind table has no Pod');
  return {
    name: DEFAULT_BINDER,
    async bind(_state, pod, nodeName) {
      const meta = pod.metadata;
      const binding = Binding.fromPartial({
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: meta?.name ?? '', namespace: meta?.namespace ?? '', uid: meta?.uid ?? '' },
        target: { kind: 'Node', name: nodeName, apiVersion: 'v1' },
      });
      try {
        await handle.clients.api.call(podInfo, 'bindPod', BindPodRequest.fromPartial({ binding }));
        return Status.SUCCESS;
      } catch (err) {
        return Status.error(err);
      }
    },
  };
};
