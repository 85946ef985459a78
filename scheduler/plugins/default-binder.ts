/**
 * DefaultBinder: binds through the Pod's binding subresource, the one write by which a
 * scheduler assigns a node — pipelined over one `PodService.BindPods` stream
 * (bind-stream.ts), or by unary `BindPod` where the apiserver has no such stream. The
 * Binding names the pod's uid, so that a pod deleted and recreated under the same name
 * meanwhile is not bound.
 */
import { Binding } from '../../sdk/gen/wheelhouse/core/v1/binding.js';
import { createBindStream } from '../bind-stream.js';
import type { BindPlugin, PluginFactory } from '../framework/interface.js';
import { Status } from '../framework/status.js';

export const DEFAULT_BINDER = 'DefaultBinder';

export const defaultBinder: PluginFactory = (_args, handle): BindPlugin => {
  const binds = createBindStream(handle.clients.api);
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
        await binds.bind(binding);
        return Status.SUCCESS;
      } catch (err) {
        return Status.error(err);
      }
    },
  };
};
