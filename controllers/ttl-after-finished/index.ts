/** The `ttl-after-finished` controller of the controller manager. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { positiveIntFlag } from '../shared/flags.js';
import { runTtlAfterFinishedController } from './ttl-after-finished-controller.js';

export const ttlAfterFinishedController: ControllerDescriptor = {
  name: 'ttl-after-finished',
  eventSource: 'ttl-after-finished-controller',
  enabledByDefault: true,
  serviceAccount: 'ttl-after-finished-controller',
  flags: {
    'concurrent-ttl-after-finished-syncs': {
      type: 'string',
      default: '5',
      help: 'finished Jobs checked for their TTL at once',
    },
  },
  run: (ctx) =>
    runTtlAfterFinishedController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        logger: ctx.logger.child({ controller: 'ttl-after-finished' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-ttl-after-finished-syncs'),
      },
      ctx.signal,
    ),
};
