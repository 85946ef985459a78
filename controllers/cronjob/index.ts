/** The `cronjob` controller of the controller manager. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { positiveIntFlag } from '../shared/flags.js';
import { scaledClock } from './clock.js';
import { runCronJobController } from './cron-job-controller.js';

export const cronJobController: ControllerDescriptor = {
  name: 'cronjob',
  eventSource: 'cronjob-controller',
  enabledByDefault: true,
  serviceAccount: 'cronjob-controller',
  flags: {
    'concurrent-cron-job-syncs': {
      type: 'string',
      default: '5',
      help: 'CronJobs reconciled at once',
    },
    'cronjob-test-time-scale': {
      type: 'string',
      default: '1',
      help: "test aid, never for production: the CronJob controller's clock runs this many times faster than real time from its start (60: a minute a second)",
    },
  },
  run(ctx) {
    const raw = ctx.flags['cronjob-test-time-scale'];
    const rate = Number(raw);
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new Error(`--cronjob-test-time-scale must be a positive number, got "${String(raw)}"`);
    }
    if (rate !== 1) ctx.logger.warn({ rate }, 'the CronJob controller runs on a scaled clock (a test aid)');
    return runCronJobController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'cronjob' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-cron-job-syncs'),
        clock: scaledClock(rate),
      },
      ctx.signal,
    );
  },
};
