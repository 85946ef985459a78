/**
 * The Pod strategy (Kubernetes' pkg/registry/core/pod/strategy.go): defaults,
 * validation, the spec's immutability, the status subresource, field
 * selectors and graceful deletion.
 */
import { type Pod, PodStatus } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { qosClassOf } from '../../../sdk/resources/qos.js';
import type { Strategy } from '../../registry/strategy.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';
import { defaultPodSpec } from './defaults.js';
import { validatePodSpec, validatePodSpecUpdate, validatePodStatusUpdate } from './validation.js';

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');

/** Seconds a Pod is given to stop when deleted without a grace period of the client's. */
function gracePeriodSeconds(pod: Pod, requested: number | undefined): number {
  // A Pod that never reached a node, or has finished, has nothing to stop.
  if ((pod.spec?.nodeName ?? '') === '') return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requested ?? Number(pod.spec?.terminationGracePeriodSeconds ?? '30');
  // Negative periods were once accepted; Kubernetes treats them as the shortest graceful one.
  return grace < 0 ? 1 : grace;
}

export function podStrategy(): Strategy<Pod> {
  return {
    info: infoOf('Pod'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults(pod) {
      if (pod.spec) defaultPodSpec(pod.spec);
    },
    prepareForCreate(pod) {
      pod.status = PodStatus.create({ phase: 'Pending', qosClass: qosClassOf(pod.spec) });
    },
    validate: (pod) => validatePodSpec(pod.spec, specPath),
    prepareForUpdate: keepStatus,
    validateUpdate: (pod, old) => [
      ...validatePodSpec(pod.spec, specPath),
      ...validatePodSpecUpdate(pod.spec, old.spec, specPath),
    ],
    status: statusStrategy<Pod>((pod, old) => validatePodStatusUpdate(pod, old, statusPath)),
    fieldSelectors: {
      'spec.nodeName': (pod) => pod.spec?.nodeName,
      'spec.restartPolicy': (pod) => pod.spec?.restartPolicy,
      'spec.schedulerName': (pod) => pod.spec?.schedulerName,
      'spec.serviceAccountName': (pod) => pod.spec?.serviceAccountName,
      'spec.hostNetwork': (pod) => String(pod.spec?.hostNetwork ?? false),
      'status.phase': (pod) => pod.status?.phase,
      'status.podIP': (pod) => pod.status?.podIp,
      'status.nominatedNodeName': (pod) => pod.status?.nominatedNodeName,
    },
    deletion: { gracePeriodSeconds },
  };
}
