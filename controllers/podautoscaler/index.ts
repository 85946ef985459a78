/** The `horizontalpodautoscaling` controller of the controller manager, with kube-controller-manager's flags. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { durationFlag, positiveIntFlag } from '../shared/flags.js';
import { runHorizontalController } from './horizontal-controller.js';

/** A non-negative number flag (the tolerance, a fraction). */
function fractionFlag(flags: Readonly<Record<string, string | boolean | undefined>>, name: string): number {
  const raw = flags[name];
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new Error(`--${name} must be a number of at least 0, such as 0.1, not "${String(raw)}"`);
  }
  return n;
}

/** The sync period: a positive duration, or every HPA would be synced without pause. */
function syncPeriodFlag(flags: Readonly<Record<string, string | boolean | undefined>>): number {
  const name = 'horizontal-pod-autoscaler-sync-period';
  const ms = durationFlag(flags, name);
  if (ms <= 0) throw new Error(`--${name} must be longer than 0, such as 15s`);
  return ms;
}

export const horizontalPodAutoscalerController: ControllerDescriptor = {
  name: 'horizontalpodautoscaling',
  eventSource: 'horizontal-pod-autoscaler',
  enabledByDefault: true,
  serviceAccount: 'horizontal-pod-autoscaler',
  flags: {
    'concurrent-horizontal-pod-autoscaler-syncs': {
      type: 'string',
      default: '5',
      help: 'HorizontalPodAutoscalers synced at once',
    },
    'horizontal-pod-autoscaler-sync-period': {
      type: 'string',
      default: '15s',
      help: 'how often each HorizontalPodAutoscaler reads its metrics and sets its target',
    },
    'horizontal-pod-autoscaler-downscale-stabilization': {
      type: 'string',
      default: '5m',
      help: 'a scale-down takes the highest recommendation of this last period (HPAs without spec.behavior)',
    },
    'horizontal-pod-autoscaler-tolerance': {
      type: 'string',
      default: '0.1',
      help: 'how far the ratio of a metric to its target may be from 1.0 without a change of replicas',
    },
    'horizontal-pod-autoscaler-cpu-initialization-period': {
      type: 'string',
      default: '5m',
      help: 'after a pod starts, its CPU samples count only once taken a whole window after it turned Ready',
    },
    'horizontal-pod-autoscaler-initial-readiness-delay': {
      type: 'string',
      default: '30s',
      help: 'after a pod starts, the time within which turning unready is taken as never having been ready',
    },
  },
  run: (ctx) =>
    runHorizontalController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'horizontalpodautoscaling' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-horizontal-pod-autoscaler-syncs'),
        syncPeriodMs: syncPeriodFlag(ctx.flags),
        downscaleStabilizationWindowMs: durationFlag(
          ctx.flags,
          'horizontal-pod-autoscaler-downscale-stabilization',
        ),
        tolerance: fractionFlag(ctx.flags, 'horizontal-pod-autoscaler-tolerance'),
        cpuInitializationPeriodMs: durationFlag(
          ctx.flags,
          'horizontal-pod-autoscaler-cpu-initialization-period',
        ),
        delayOfInitialReadinessStatusMs: durationFlag(
          ctx.flags,
          'horizontal-pod-autoscaler-initial-readiness-delay',
        ),
      },
      ctx.signal,
    ),
};
