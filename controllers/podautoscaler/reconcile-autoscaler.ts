/**
 * One sync of one HPA (Kubernetes' reconcileAutoscaler): read the target's scale, decide
 * the replicas, write the scale when they change, then the status when it changed.
 *
 * - A target whose scale cannot be read: AbleToScale False (FailedGetScale).
 * - A target scaled to 0 (with minReplicas above 0): autoscaling is off, ScalingActive
 *   False (ScalingDisabled), nothing is changed.
 * - Replicas above maxReplicas or below minReplicas: brought within them, metrics unread.
 * - Otherwise the metrics decide (compute-replicas.ts), then the normalization
 *   (normalize-replicas.ts: stabilization, rate limits, bounds).
 *
 * Each decision leaves its conditions, Events (SuccessfulRescale, FailedRescale,
 * FailedGetScale, FailedComputeMetricsReplicas and the metrics' own) and status.
 */
import { Code, isApiError } from '../../sdk/errors.js';
import type { EventRecorder } from '../../sdk/events/index.js';
import type { Scale } from '../../sdk/gen/wheelhouse/apps/v1/scale.js';
import {
  type HorizontalPodAutoscaler,
  HorizontalPodAutoscalerStatus,
  type MetricSpec,
  type MetricStatus,
} from '../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { KindInfo } from '../../sdk/kinds.js';
import type { Selector } from '../../sdk/labels/index.js';
import type { AutoscalerHistory } from './autoscaler-history.js';
import { computeReplicasForMetrics } from './compute-replicas.js';
import { type ConditionStatus, type ConditionType, sameStatus, setCondition } from './conditions.js';
import {
  effectiveBehavior,
  type Normalized,
  normalizeDesiredReplicas,
  normalizeDesiredReplicasWithBehaviors,
  storeScaleEvent,
} from './normalize-replicas.js';
import type { ResourceMetricsClient } from './pod-metrics.js';
import type { ReplicaCalculatorOptions } from './replica-calculator.js';
import { type ScaleClient, scaleTargetKind } from './scale-target.js';
import type { SelectorTracker } from './selector-tracker.js';

export interface AutoscalerOptions extends ReplicaCalculatorOptions {
  /** --horizontal-pod-autoscaler-downscale-stabilization, in ms. */
  readonly downscaleStabilizationWindowMs: number;
}

export interface AutoscalerDeps {
  readonly scales: ScaleClient;
  readonly metrics: ResourceMetricsClient;
  /** The pods of a namespace a selector picks (the informer's cache). */
  podsMatching(namespace: string, selector: Selector): Pod[];
  readonly events: Pick<EventRecorder, 'event'>;
  readonly history: AutoscalerHistory;
  readonly selectors: SelectorTracker;
  readonly options: AutoscalerOptions;
  now(): Date;
  /** UpdateHorizontalPodAutoscalerStatus; rejects on a conflict (ABORTED) among others. */
  updateStatus(hpa: HorizontalPodAutoscaler): Promise<unknown>;
}

/** The metrics an HPA without any is given, as the apiserver defaults them: 80 % of the CPU requests. */
const DEFAULT_METRICS: MetricSpec[] = [
  {
    type: 'Resource',
    resource: {
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 80, value: '', averageValue: '' },
    },
  },
];

/** Writes of the scale that met a conflict are tried again from a fresh read, this many times in all. */
const SCALE_UPDATE_ATTEMPTS = 5;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Syncs the HPA `cached` (as the informer holds it; not changed). Resolves with the error
 * Kubernetes would log for this sync, if any (the HPA is synced again a period later either
 * way); rejects when the status could not be written.
 */
export async function reconcileAutoscaler(
  deps: AutoscalerDeps,
  cached: HorizontalPodAutoscaler,
  key: string,
): Promise<{ error?: string }> {
  const nowDate = deps.now();
  const now = nowDate.getTime();
  const hpa: HorizontalPodAutoscaler = {
    ...structuredClone(cached),
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
  };
  const original = cached.status;
  const spec = hpa.spec;
  const namespace = hpa.metadata?.namespace ?? '';
  const ref = spec?.scaleTargetRef;
  const reference = `${ref?.kind ?? ''}/${namespace}/${ref?.name ?? ''}`;
  let status = HorizontalPodAutoscalerStatus.fromPartial(hpa.status ?? {});

  const condition = (type: ConditionType, s: ConditionStatus, reason: string, message: string) => {
    status = { ...status, conditions: setCondition(status.conditions, type, s, reason, message, nowDate) };
  };
  const event = (type: 'Normal' | 'Warning', reason: string, message: string) =>
    deps.events.event(hpa, type, reason, message);
  const writeStatusIfNeeded = async () => {
    if (sameStatus(original, status)) return;
    try {
      await deps.updateStatus({ ...hpa, status });
    } catch (err) {
      event('Warning', 'FailedUpdateStatus', messageOf(err));
      throw err;
    }
  };
  /** Kubernetes' setStatus: the counts and metrics of this sync; lastScaleTime when it rescaled. */
  const setStatus = (current: number, desired: number, metrics: MetricStatus[], rescaled: boolean) => {
    status = {
      ...status,
      observedGeneration: hpa.metadata?.generation ?? '0',
      currentReplicas: current,
      desiredReplicas: desired,
      currentMetrics: metrics,
      ...(rescaled ? { lastScaleTime: nowDate } : {}),
    };
  };

  // The target's scale.
  let info: KindInfo;
  let scale: Scale;
  try {
    info = scaleTargetKind(ref);
    scale = await deps.scales.get(info, namespace, ref?.name ?? '');
  } catch (err) {
    const message = messageOf(err);
    event('Warning', 'FailedGetScale', message);
    condition(
      'AbleToScale',
      'False',
      'FailedGetScale',
      `the HPA controller was unable to get the target's current scale: ${message}`,
    );
    await writeStatusIfNeeded();
    return { error: `failed to query scale subresource for ${reference}: ${message}` };
  }
  condition(
    'AbleToScale',
    'True',
    'SucceededGetScale',
    "the HPA controller was able to get the target's current scale",
  );
  const currentReplicas = scale.spec?.replicas ?? 0;
  deps.history.recordInitialRecommendation(key, currentReplicas, now);

  const minReplicas = spec?.minReplicas ?? 1;
  const maxReplicas = spec?.maxReplicas ?? 0;
  let desiredReplicas = 0;
  let rescaleReason = '';
  let rescale = true;
  let metricStatuses: MetricStatus[] = [];
  let error: string | undefined;

  if (currentReplicas === 0 && minReplicas !== 0) {
    // Scaled to zero by hand: the HPA stays out of it until someone scales it up again.
    rescale = false;
    condition(
      'ScalingActive',
      'False',
      'ScalingDisabled',
      'scaling is disabled since the replica count of the target is zero',
    );
  } else if (currentReplicas > maxReplicas) {
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    desiredReplicas = maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    desiredReplicas = minReplicas;
  } else {
    const outcome = await computeReplicasForMetrics(
      {
        namespace,
        name: hpa.metadata?.name ?? '',
        specReplicas: currentReplicas,
        statusReplicas: scale.status?.replicas ?? 0,
        podsMatching: (selector) => deps.podsMatching(namespace, selector),
        metrics: deps.metrics,
        selectors: deps.selectors,
        calculator: deps.options,
        now: nowDate,
        warn: (reason, message) => event('Warning', reason, message),
      },
      spec?.metrics.length ? spec.metrics : DEFAULT_METRICS,
      scale.status?.selector ?? '',
    );
    condition(
      'ScalingActive',
      outcome.scalingActive.status,
      outcome.scalingActive.reason,
      outcome.scalingActive.message,
    );
    metricStatuses = outcome.statuses;
    if (outcome.replicas === -1) {
      setStatus(currentReplicas, status.desiredReplicas, metricStatuses, false);
      await writeStatusIfNeeded();
      event('Warning', 'FailedComputeMetricsReplicas', outcome.error ?? '');
      return {
        error: `failed to compute desired number of replicas based on listed metrics for ${reference}: ${outcome.error ?? ''}`,
      };
    }
    // Some metrics failed but the others decide: scale on them, and report the failure.
    error = outcome.error;
    desiredReplicas = outcome.replicas;
    if (desiredReplicas > currentReplicas) rescaleReason = `${outcome.metricName} above target`;
    if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
    const normalized = normalize(deps, hpa, key, currentReplicas, desiredReplicas, minReplicas, now);
    condition(
      'AbleToScale',
      normalized.ableToScale.status,
      normalized.ableToScale.reason,
      normalized.ableToScale.message,
    );
    condition(
      'ScalingLimited',
      normalized.scalingLimited.status,
      normalized.scalingLimited.reason,
      normalized.scalingLimited.message,
    );
    desiredReplicas = normalized.desiredReplicas;
    rescale = desiredReplicas !== currentReplicas;
  }

  if (rescale) {
    try {
      await updateScale(deps.scales, info, scale, desiredReplicas, namespace, ref?.name ?? '');
    } catch (err) {
      const message = messageOf(err);
      event(
        'Warning',
        'FailedRescale',
        `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`,
      );
      condition(
        'AbleToScale',
        'False',
        'FailedUpdateScale',
        `the HPA controller was unable to update the target scale: ${message}`,
      );
      setStatus(currentReplicas, status.desiredReplicas, metricStatuses, false);
      await writeStatusIfNeeded();
      return { error: `failed to rescale ${reference}: ${message}` };
    }
    condition(
      'AbleToScale',
      'True',
      'SucceededRescale',
      `the HPA controller was able to update the target scale to ${desiredReplicas}`,
    );
    event('Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
    if (spec?.behavior) {
      storeScaleEvent(
        effectiveBehavior(spec.behavior, deps.options.downscaleStabilizationWindowMs),
        { scaleUp: deps.history.scaleUpEventsOf(key), scaleDown: deps.history.scaleDownEventsOf(key) },
        currentReplicas,
        desiredReplicas,
        now,
      );
    }
  } else {
    desiredReplicas = currentReplicas;
  }
  setStatus(currentReplicas, desiredReplicas, metricStatuses, rescale);
  await writeStatusIfNeeded();
  return error === undefined ? {} : { error };
}

function normalize(
  deps: AutoscalerDeps,
  hpa: HorizontalPodAutoscaler,
  key: string,
  currentReplicas: number,
  desiredReplicas: number,
  minReplicas: number,
  now: number,
): Normalized {
  const common = {
    currentReplicas,
    desiredReplicas,
    minReplicas,
    maxReplicas: hpa.spec?.maxReplicas ?? 0,
    now,
    recommendations: deps.history.recommendationsOf(key),
  };
  const behavior = hpa.spec?.behavior;
  if (behavior === undefined) {
    return normalizeDesiredReplicas({
      ...common,
      downscaleStabilizationWindowMs: deps.options.downscaleStabilizationWindowMs,
    });
  }
  return normalizeDesiredReplicasWithBehaviors({
    ...common,
    behavior: effectiveBehavior(behavior, deps.options.downscaleStabilizationWindowMs),
    scaleUpEvents: deps.history.scaleUpEventsOf(key),
    scaleDownEvents: deps.history.scaleDownEventsOf(key),
  });
}

/**
 * Writes `replicas` through the scale subresource; a conflict (the target changed since
 * the scale was read) reads it again and retries, a few times.
 */
async function updateScale(
  scales: ScaleClient,
  info: KindInfo,
  read: Scale,
  replicas: number,
  namespace: string,
  name: string,
): Promise<void> {
  let scale = read;
  for (let attempt = 1; ; attempt++) {
    try {
      await scales.update(info, { ...scale, spec: { ...scale.spec, replicas } });
      return;
    } catch (err) {
      if (!isApiError(err, Code.ABORTED) || attempt >= SCALE_UPDATE_ATTEMPTS) throw err;
      scale = await scales.get(info, namespace, name);
    }
  }
}
