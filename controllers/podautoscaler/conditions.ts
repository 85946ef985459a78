/**
 * The HPA's status conditions, as Kubernetes keeps them: AbleToScale (whether the target's
 * scale can be read and written), ScalingActive (whether a count could be computed from
 * the metrics) and ScalingLimited (whether the bounds or the rate held the count back).
 * A condition keeps its place in the list; its lastTransitionTime moves only when its
 * status does.
 */
import {
  type HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
} from '../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';

export type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** `conditions` with `type` set to the given state; a new list, the others unchanged. */
export function setCondition(
  conditions: readonly HorizontalPodAutoscalerCondition[],
  type: ConditionType,
  status: ConditionStatus,
  reason: string,
  message: string,
  now: Date,
): HorizontalPodAutoscalerCondition[] {
  const existing = conditions.find((c) => c.type === type);
  const next: HorizontalPodAutoscalerCondition = {
    type,
    status,
    reason,
    message,
    lastTransitionTime:
      existing === undefined || existing.status !== status ? now : existing.lastTransitionTime,
  };
  return existing === undefined ? [...conditions, next] : conditions.map((c) => (c === existing ? next : c));
}

/** Whether two statuses say the same, as their JSON form shows them (so unset and default fields compare equal). */
export function sameStatus(
  a: HorizontalPodAutoscalerStatus | undefined,
  b: HorizontalPodAutoscalerStatus | undefined,
): boolean {
  const json = (s: HorizontalPodAutoscalerStatus | undefined) =>
    JSON.stringify(HorizontalPodAutoscalerStatus.toJSON(HorizontalPodAutoscalerStatus.fromPartial(s ?? {})));
  return json(a) === json(b);
}
