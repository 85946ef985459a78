/** The HorizontalPodAutoscaler: the replicas of a scalable workload, kept between bounds by its Pods' metrics. */
import type { HorizontalPodAutoscaler } from '../../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import type { KindDefinition } from '../kind-definition.js';
import { horizontalPodAutoscalerStrategy } from './strategy.js';

export const horizontalPodAutoscalerKind: KindDefinition<HorizontalPodAutoscaler> = {
  kind: 'HorizontalPodAutoscaler',
  strategy: () => horizontalPodAutoscalerStrategy(),
};
