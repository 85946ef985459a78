/**
 * From the count the metrics ask for to the count the HPA sets, as Kubernetes' HPA
 * normalizes it (horizontal.go): stabilization over recent recommendations, a limit on
 * the rate of change, and the bounds [minReplicas, maxReplicas]. Also which AbleToScale
 * and ScalingLimited conditions say so. Pure but for the history arrays it is handed,
 * which it updates in place as Kubernetes updates its own.
 *
 * Without spec.behavior: a scale-down takes the highest recommendation of the last
 * --horizontal-pod-autoscaler-downscale-stabilization, a scale-up at most
 * max(2 × current, 4). With spec.behavior: each direction's stabilization window (up:
 * the lowest recommendation of the window, down: the highest) and its policies (Pods or
 * Percent per period, counted from the scale events of that period; selectPolicy Max
 * picks the largest change, Min the smallest, Disabled none).
 */
import type {
  HorizontalPodAutoscalerBehavior,
  HPAScalingRules,
} from '../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import type { ScaleEvent, TimestampedRecommendation } from './autoscaler-history.js';

/** A condition's new state, as the normalization decides it. */
export interface ConditionState {
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

export interface Normalized {
  readonly desiredReplicas: number;
  /** AbleToScale (always True here): ReadyForNewScale, or why the recommendation was stabilized. */
  readonly ableToScale: ConditionState;
  /** ScalingLimited: True when the bounds or the rate changed the stabilized recommendation. */
  readonly scalingLimited: ConditionState;
}

/** A limit and why it applies, as the ScalingLimited condition names it. */
interface Limited {
  readonly replicas: number;
  readonly reason: string;
  readonly message: string;
}

const WITHIN_RANGE = {
  reason: 'DesiredWithinRange',
  message: 'the desired count is within the acceptable range',
};
const SCALE_UP_LIMIT = {
  reason: 'ScaleUpLimit',
  message: 'the desired replica count is increasing faster than the maximum scale rate',
};
const SCALE_DOWN_LIMIT = {
  reason: 'ScaleDownLimit',
  message: 'the desired replica count is decreasing faster than the maximum scale rate',
};
const TOO_MANY = {
  reason: 'TooManyReplicas',
  message: 'the desired replica count is more than the maximum replica count',
};
const TOO_FEW = {
  reason: 'TooFewReplicas',
  message: 'the desired replica count is less than the minimum replica count',
};
const READY_FOR_NEW_SCALE = {
  status: 'True',
  reason: 'ReadyForNewScale',
  message: 'recommended size matches current size',
} as const;
const SCALE_DOWN_STABILIZED = {
  status: 'True',
  reason: 'ScaleDownStabilized',
  message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
} as const;
const SCALE_UP_STABILIZED = {
  status: 'True',
  reason: 'ScaleUpStabilized',
  message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
} as const;

const limitedCondition = (limited: Limited, stabilized: number): ConditionState => ({
  status: limited.replicas === stabilized ? 'False' : 'True',
  reason: limited.reason,
  message: limited.message,
});

/**
 * The highest recommendation not older than the window, this one included; this one is
 * recorded in place of a sample older than the window (the last such), or added.
 */
export function stabilizeRecommendation(
  recommendations: TimestampedRecommendation[],
  desired: number,
  windowMs: number,
  now: number,
): number {
  const cutoff = now - windowMs;
  let highest = desired;
  let oldIndex = -1;
  recommendations.forEach((rec, i) => {
    if (rec.timestamp < cutoff) oldIndex = i;
    else if (rec.recommendation > highest) highest = rec.recommendation;
  });
  const entry = { recommendation: desired, timestamp: now };
  if (oldIndex >= 0) recommendations[oldIndex] = entry;
  else recommendations.push(entry);
  return highest;
}

/** What a scale-up may reach without spec.behavior: twice the current count, and at least 4. */
export function scaleUpLimit(currentReplicas: number): number {
  return Math.trunc(Math.max(2 * currentReplicas, 4));
}

/** The bounds without spec.behavior: [minReplicas, min(maxReplicas, scaleUpLimit)]. */
export function convertDesiredReplicasWithRules(
  currentReplicas: number,
  desired: number,
  minReplicas: number,
  maxReplicas: number,
): Limited {
  const upLimit = scaleUpLimit(currentReplicas);
  const upper =
    maxReplicas > upLimit ? { replicas: upLimit, ...SCALE_UP_LIMIT } : { replicas: maxReplicas, ...TOO_MANY };
  if (desired < minReplicas) return { replicas: minReplicas, ...TOO_FEW };
  if (desired > upper.replicas) return upper;
  return { replicas: desired, ...WITHIN_RANGE };
}

export interface NormalizeInput {
  readonly currentReplicas: number;
  /** What the metrics asked for. */
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly now: number;
}

/** Normalization without spec.behavior. */
export function normalizeDesiredReplicas(
  input: NormalizeInput & {
    readonly recommendations: TimestampedRecommendation[];
    /** --horizontal-pod-autoscaler-downscale-stabilization, in ms. */
    readonly downscaleStabilizationWindowMs: number;
  },
): Normalized {
  const stabilized = stabilizeRecommendation(
    input.recommendations,
    input.desiredReplicas,
    input.downscaleStabilizationWindowMs,
    input.now,
  );
  const limited = convertDesiredReplicasWithRules(
    input.currentReplicas,
    stabilized,
    input.minReplicas,
    input.maxReplicas,
  );
  return {
    desiredReplicas: limited.replicas,
    ableToScale: stabilized !== input.desiredReplicas ? SCALE_DOWN_STABILIZED : READY_FOR_NEW_SCALE,
    scalingLimited: limitedCondition(limited, stabilized),
  };
}

/** One direction's rules with every default filled in. */
export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  /** Max, Min or Disabled. */
  readonly selectPolicy: string;
  readonly policies: readonly {
    readonly type: string;
    readonly value: number;
    readonly periodSeconds: number;
  }[];
}

export interface EffectiveBehavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** Kubernetes' defaults of a direction's policies: within 15 s, up 4 pods or 100 % (the larger), down 100 %. */
const DEFAULT_SCALE_UP_POLICIES = [
  { type: 'Pods', value: 4, periodSeconds: 15 },
  { type: 'Percent', value: 100, periodSeconds: 15 },
];
const DEFAULT_SCALE_DOWN_POLICIES = [{ type: 'Percent', value: 100, periodSeconds: 15 }];

function rulesOf(
  rules: HPAScalingRules | undefined,
  defaults: { stabilizationWindowSeconds: number; policies: ScalingRules['policies'] },
): ScalingRules {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules?.selectPolicy || 'Max',
    policies: rules?.policies.length ? rules.policies : defaults.policies,
  };
}

/**
 * spec.behavior with what the apiserver's defaults leave unset filled in as Kubernetes
 * fills it: scaling up is not stabilized, a scale-down window left unset is the
 * controller's --horizontal-pod-autoscaler-downscale-stabilization.
 */
export function effectiveBehavior(
  behavior: HorizontalPodAutoscalerBehavior,
  downscaleStabilizationWindowMs: number,
): EffectiveBehavior {
  return {
    scaleUp: rulesOf(behavior.scaleUp, {
      stabilizationWindowSeconds: 0,
      policies: DEFAULT_SCALE_UP_POLICIES,
    }),
    scaleDown: rulesOf(behavior.scaleDown, {
      stabilizationWindowSeconds: Math.trunc(downscaleStabilizationWindowMs / 1000),
      policies: DEFAULT_SCALE_DOWN_POLICIES,
    }),
  };
}

/**
 * Keeps the recommendation between the lowest of the scale-up window and the highest of
 * the scale-down window (each window strictly after its cutoff), starting from the current
 * count; records this one in place of a sample older than both windows, or adds it.
 */
export function stabilizeRecommendationWithBehaviors(
  recommendations: TimestampedRecommendation[],
  input: { currentReplicas: number; desiredReplicas: number; behavior: EffectiveBehavior; now: number },
): { recommendation: number; condition: ConditionState } {
  const { desiredReplicas, now } = input;
  const upCutoff = now - input.behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - input.behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let upRecommendation = desiredReplicas;
  let downRecommendation = desiredReplicas;
  let oldIndex = -1;
  recommendations.forEach((rec, i) => {
    if (rec.timestamp > upCutoff) upRecommendation = Math.min(rec.recommendation, upRecommendation);
    if (rec.timestamp > downCutoff) downRecommendation = Math.max(rec.recommendation, downRecommendation);
    if (rec.timestamp < upCutoff && rec.timestamp < downCutoff) oldIndex = i;
  });
  let recommendation = input.currentReplicas;
  if (recommendation < upRecommendation) recommendation = upRecommendation;
  if (recommendation > downRecommendation) recommendation = downRecommendation;
  const entry = { recommendation: desiredReplicas, timestamp: now };
  if (oldIndex >= 0) recommendations[oldIndex] = entry;
  else recommendations.push(entry);
  return {
    recommendation,
    condition: desiredReplicas >= input.currentReplicas ? SCALE_UP_STABILIZED : SCALE_DOWN_STABILIZED,
  };
}

/** Replicas changed in one direction within the last `periodSeconds` (events strictly after the cutoff). */
export function replicasChangePerPeriod(
  periodSeconds: number,
  events: readonly ScaleEvent[],
  now: number,
): number {
  const cutoff = now - periodSeconds * 1000;
  let replicas = 0;
  for (const e of events) if (e.timestamp > cutoff) replicas += e.replicaChange;
  return replicas;
}

interface RateInput {
  readonly currentReplicas: number;
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
  readonly rules: ScalingRules;
  readonly now: number;
}

/** The count each policy allows from the count its period started with, the policies chosen by selectPolicy. */
function policyLimit(input: RateInput, up: boolean): number {
  const { currentReplicas, rules, now } = input;
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  // Scaling up the largest count is the largest change; scaling down it is the smallest.
  const largest = (rules.selectPolicy === 'Min') !== up;
  let result = largest ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const policy of rules.policies) {
    const added = replicasChangePerPeriod(policy.periodSeconds, input.scaleUpEvents, now);
    const deleted = replicasChangePerPeriod(policy.periodSeconds, input.scaleDownEvents, now);
    const periodStart = currentReplicas - added + deleted;
    let proposed: number;
    if (policy.type === 'Pods') proposed = up ? periodStart + policy.value : periodStart - policy.value;
    else if (policy.type === 'Percent') {
      // Up rounds up, or a small target would never grow; down truncates.
      proposed = up
        ? Math.ceil(periodStart * (1 + policy.value / 100))
        : Math.trunc(periodStart * (1 - policy.value / 100));
    } else continue;
    result = largest ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** The most replicas the scale-up policies allow now (Kubernetes' calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimitWithRules(input: RateInput): number {
  return policyLimit(input, true);
}

/** The fewest replicas the scale-down policies allow now (Kubernetes' calculateScaleDownLimitWithBehaviors). */
export function scaleDownLimitWithRules(input: RateInput): number {
  return policyLimit(input, false);
}

/** The rate limits and the bounds with spec.behavior (Kubernetes' convertDesiredReplicasWithBehaviorRate). */
export function convertDesiredReplicasWithBehaviorRate(input: {
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: EffectiveBehavior;
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
  readonly now: number;
}): Limited {
  const { currentReplicas, desiredReplicas } = input;
  const events = {
    currentReplicas,
    scaleUpEvents: input.scaleUpEvents,
    scaleDownEvents: input.scaleDownEvents,
    now: input.now,
  };
  if (desiredReplicas > currentReplicas) {
    // Until the period's scale-ups age out, no further scale-up (but never a scale-down).
    const limit = Math.max(
      scaleUpLimitWithRules({ ...events, rules: input.behavior.scaleUp }),
      currentReplicas,
    );
    const upper =
      input.maxReplicas > limit
        ? { replicas: limit, ...SCALE_UP_LIMIT }
        : { replicas: input.maxReplicas, ...TOO_MANY };
    if (desiredReplicas > upper.replicas) return upper;
  } else if (desiredReplicas < currentReplicas) {
    const limit = Math.min(
      scaleDownLimitWithRules({ ...events, rules: input.behavior.scaleDown }),
      currentReplicas,
    );
    const lower =
      input.minReplicas < limit
        ? { replicas: limit, ...SCALE_DOWN_LIMIT }
        : { replicas: input.minReplicas, ...TOO_FEW };
    if (desiredReplicas < lower.replicas) return lower;
  }
  return { replicas: desiredReplicas, ...WITHIN_RANGE };
}

/** Normalization with spec.behavior: stabilize, then limit the rate and bound. */
export function normalizeDesiredReplicasWithBehaviors(
  input: NormalizeInput & {
    readonly behavior: EffectiveBehavior;
    readonly recommendations: TimestampedRecommendation[];
    readonly scaleUpEvents: readonly ScaleEvent[];
    readonly scaleDownEvents: readonly ScaleEvent[];
  },
): Normalized {
  const stabilized = stabilizeRecommendationWithBehaviors(input.recommendations, input);
  const limited = convertDesiredReplicasWithBehaviorRate({
    ...input,
    desiredReplicas: stabilized.recommendation,
  });
  return {
    desiredReplicas: limited.replicas,
    ableToScale:
      stabilized.recommendation !== input.desiredReplicas ? stabilized.condition : READY_FOR_NEW_SCALE,
    scalingLimited: limitedCondition(limited, stabilized.recommendation),
  };
}

/** The longest period of a direction's policies: scale events older than it count for nothing. */
function longestPolicyPeriod(rules: ScalingRules): number {
  return rules.policies.reduce((longest, p) => Math.max(longest, p.periodSeconds), 0);
}

/**
 * Records a rescale in its direction's events, in the slot of an event older than the
 * direction's longest policy period (the last such), or added.
 */
export function storeScaleEvent(
  behavior: EffectiveBehavior,
  events: { scaleUp: ScaleEvent[]; scaleDown: ScaleEvent[] },
  previousReplicas: number,
  newReplicas: number,
  now: number,
): void {
  const up = newReplicas > previousReplicas;
  const list = up ? events.scaleUp : events.scaleDown;
  const cutoff = now - longestPolicyPeriod(up ? behavior.scaleUp : behavior.scaleDown) * 1000;
  let oldIndex = -1;
  list.forEach((e, i) => {
    if (e.timestamp < cutoff) e.outdated = true;
    if (e.outdated) oldIndex = i;
  });
  const entry = { replicaChange: Math.abs(newReplicas - previousReplicas), timestamp: now, outdated: false };
  if (oldIndex >= 0) list[oldIndex] = entry;
  else list.push(entry);
}
