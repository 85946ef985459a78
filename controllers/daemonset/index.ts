/** The `daemonset` controller of the controller manager. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { positiveIntFlag } from '../shared/flags.js';
import { runDaemonSetController } from './daemon-set-controller.js';

export const daemonSetController: ControllerDescriptor = {
  name: 'daemonset',
  eventSource: 'daemonset-controller',
  enabledByDefault: true,
  serviceAccount: 'daemon-set-controller',
  flags: {
    'concurrent-daemonset-syncs': {
      type: 'string',
      default: '2',
      help: 'DaemonSets reconciled at once',
    },
  },
  run: (ctx) =>
    runDaemonSetController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'daemonset' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-daemonset-syncs'),
      },
      ctx.signal,
    ),
};
