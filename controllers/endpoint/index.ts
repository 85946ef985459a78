/** The `endpoint` controller of the controller manager, with kube-controller-manager's flags. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { durationFlag, positiveIntFlag } from '../shared/flags.js';
import { runEndpointsController } from './endpoints-controller.js';

export const endpointController: ControllerDescriptor = {
  name: 'endpoint',
  eventSource: 'endpoint-controller',
  enabledByDefault: true,
  serviceAccount: 'endpoint-controller',
  flags: {
    'concurrent-endpoint-syncs': {
      type: 'string',
      default: '5',
      help: 'Services whose Endpoints are synced at once',
    },
    'endpoint-updates-batch-period': {
      type: 'string',
      default: '0s',
      help: 'how long Endpoints updates caused by pod changes wait, so that a burst of changes makes fewer writes',
    },
  },
  run: (ctx) =>
    runEndpointsController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'endpoint' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-endpoint-syncs'),
        batchPeriodMs: durationFlag(ctx.flags, 'endpoint-updates-batch-period'),
      },
      ctx.signal,
    ),
};
