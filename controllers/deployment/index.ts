/** The `deployment` controller of the controller manager. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { positiveIntFlag } from '../shared/flags.js';
import { runDeploymentController } from './deployment-controller.js';

export const deploymentController: ControllerDescriptor = {
  name: 'deployment',
  eventSource: 'deployment-controller',
  enabledByDefault: true,
  serviceAccount: 'deployment-controller',
  flags: {
    'concurrent-deployment-syncs': {
      type: 'string',
      default: '5',
      help: 'Deployments reconciled at once',
    },
  },
  run: (ctx) =>
    runDeploymentController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'deployment' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-deployment-syncs'),
      },
      ctx.signal,
    ),
};
