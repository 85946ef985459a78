/** The Pod: its strategy, the CreatePods and UpdatePodStatuses streams, and the binding, log, exec, eviction and metrics subresources. */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { KindDefinition } from '../kind-definition.js';
import { podBindingMethods } from './binding.js';
import { podCreatePodsMethods } from './create-pods.js';
import { podEvictionMethods } from './eviction.js';
import { podExecMethods } from './exec.js';
import { podLogMethods } from './logs.js';
import { podMetricsMethods } from './metrics.js';
import { podStrategy } from './strategy.js';
import { podUpdatePodStatusesMethods } from './update-pod-statuses.js';

export const podKind: KindDefinition<Pod> = {
  kind: 'Pod',
  strategy: () => podStrategy(),
  subresources: (ctx) => ({
    ...podBindingMethods(ctx),
    ...podCreatePodsMethods(ctx),
    ...podUpdatePodStatusesMethods(ctx),
    ...podLogMethods(ctx),
    ...podExecMethods(ctx),
    ...podEvictionMethods(ctx),
    ...podMetricsMethods(ctx),
  }),
};
