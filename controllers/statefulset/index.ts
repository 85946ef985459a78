/** The `statefulset` controller of the controller manager. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { positiveIntFlag } from '../shared/flags.js';
import { runStatefulSetController } from './stateful-set-controller.js';

export const statefulSetController: ControllerDescriptor = {
  name: 'statefulset',
  eventSource: 'statefulset-controller',
  enabledByDefault: true,
  serviceAccount: 'statefulset-controller',
  flags: {
    'concurrent-statefulset-syncs': {
      type: 'string',
      default: '5',
      help: 'StatefulSets reconciled at once',
    },
  },
  run: (ctx) =>
    runStatefulSetController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'statefulset' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-statefulset-syncs'),
      },
      ctx.signal,
    ),
};
