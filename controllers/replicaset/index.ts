/** The `replicaset` controller of the controller manager. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { positiveIntFlag } from '../shared/flags.js';
import { runReplicaSetController } from './replica-set-controller.js';

export const replicaSetController: ControllerDescriptor = {
  name: 'replicaset',
  eventSource: 'replicaset-controller',
  enabledByDefault: true,
  serviceAccount: 'replicaset-controller',
  flags: {
    'concurrent-replicaset-syncs': {
      type: 'string',
      default: '5',
      help: 'ReplicaSets reconciled at once',
    },
  },
  run: (ctx) =>
    runReplicaSetController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'replicaset' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-replicaset-syncs'),
      },
      ctx.signal,
    ),
};
