/** The `job` controller of the controller manager. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { durationFlag, positiveIntFlag } from '../shared/flags.js';
import { runJobController } from './job-controller.js';

export const jobController: ControllerDescriptor = {
  name: 'job',
  eventSource: 'job-controller',
  enabledByDefault: true,
  serviceAccount: 'job-controller',
  flags: {
    'concurrent-job-syncs': { type: 'string', default: '5', help: 'Jobs reconciled at once' },
    'job-pod-failure-backoff': {
      type: 'string',
      default: '10s',
      help: 'delay before failed Job pods are replaced, doubling with each failure',
    },
    'job-pod-failure-max-backoff': {
      type: 'string',
      default: '6m',
      help: 'longest delay before failed Job pods are replaced',
    },
  },
  run: (ctx) =>
    runJobController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'job' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-job-syncs'),
        podFailureBackoffMs: durationFlag(ctx.flags, 'job-pod-failure-backoff'),
        maxPodFailureBackoffMs: durationFlag(ctx.flags, 'job-pod-failure-max-backoff'),
      },
      ctx.signal,
    ),
};
