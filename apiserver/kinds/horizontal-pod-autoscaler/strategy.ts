/**
 * The HorizontalPodAutoscaler strategy (Kubernetes' pkg/registry/autoscaling/horizontalpodautoscaler
 * and the autoscaling/v2 defaults of pkg/apis/autoscaling/v2). Validation is validation.ts.
 */
import type {
  HorizontalPodAutoscaler,
  HPAScalingPolicy,
  HPAScalingRules,
} from '../../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import type { Strategy } from '../../registry/strategy.js';
import { infoOf } from '../kind-info.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';
import { validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerStatus } from './validation.js';

/** The target of an autoscaler without metrics: 80% of its Pods' CPU requests. */
export const DEFAULT_CPU_UTILIZATION = 80;

/**
 * The rules of a direction left unset, as the controller applied them before behaviors
 * existed. Scaling up: by 4 Pods or by 100% per 15 s, whichever is more, at once.
 * Scaling down: by 100% per 15 s; its window stays unset, for the controller's
 * --horizontal-pod-autoscaler-downscale-stabilization to decide.
 */
const scaleUpDefaults = {
  stabilizationWindowSeconds: 0,
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
const scaleDownDefaults = {
  stabilizationWindowSeconds: undefined,
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** Fills what `rules` leaves unset from `defaults`; a missing `rules` gets all of them. */
function completeRules(
  rules: HPAScalingRules | undefined,
  defaults: { stabilizationWindowSeconds: number | undefined; policies: readonly HPAScalingPolicy[] },
): HPAScalingRules {
  const out: HPAScalingRules = rules ?? { policies: [] };
  out.selectPolicy ??= 'Max';
  out.stabilizationWindowSeconds ??= defaults.stabilizationWindowSeconds;
  if (out.policies.length === 0) out.policies = defaults.policies.map((p) => ({ ...p }));
  return out;
}

export function applyHorizontalPodAutoscalerDefaults(hpa: HorizontalPodAutoscaler): void {
  const spec = hpa.spec;
  if (!spec) return;
  spec.minReplicas ??= 1;
  if (spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: {
            type: 'Utilization',
            value: '',
            averageValue: '',
            averageUtilization: DEFAULT_CPU_UTILIZATION,
          },
        },
      },
    ];
  }
  // A behavior, once given, is completed in both directions; without one the controller's defaults apply.
  if (spec.behavior) {
    spec.behavior.scaleUp = completeRules(spec.behavior.scaleUp, scaleUpDefaults);
    spec.behavior.scaleDown = completeRules(spec.behavior.scaleDown, scaleDownDefaults);
  }
}

export function horizontalPodAutoscalerStrategy(): Strategy<HorizontalPodAutoscaler> {
  return {
    info: infoOf('HorizontalPodAutoscaler'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    // Kubernetes 1.32 gives autoscalers no generation (its HPAGeneration feature came later);
    // the controller here reports status.observedGeneration, so the spec's changes are counted.
    tracksGeneration: true,
    applyDefaults: applyHorizontalPodAutoscalerDefaults,
    prepareForCreate(hpa) {
      hpa.status = undefined;
    },
    validate: validateHorizontalPodAutoscaler,
    prepareForUpdate: keepStatus,
    validateUpdate: validateHorizontalPodAutoscaler,
    status: statusStrategy<HorizontalPodAutoscaler>((hpa) =>
      validateHorizontalPodAutoscalerStatus(hpa.status),
    ),
  };
}
