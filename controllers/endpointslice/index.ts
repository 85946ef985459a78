/** The `endpointslice` controller of the controller manager, with kube-controller-manager's flags. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { durationFlag, positiveIntFlag } from '../shared/flags.js';
import { runEndpointSliceController } from './endpoint-slice-controller.js';

/** The API's limit on a slice's endpoints, and so on the flag (kube-controller-manager checks the same). */
const MAX_ENDPOINTS_LIMIT = 1000;

function maxEndpointsPerSlice(flags: Readonly<Record<string, string | boolean | undefined>>): number {
  const n = positiveIntFlag(flags, 'max-endpoints-per-slice');
  if (n > MAX_ENDPOINTS_LIMIT) {
    throw new Error(`--max-endpoints-per-slice must be between 1 and ${MAX_ENDPOINTS_LIMIT}, got ${n}`);
  }
  return n;
}

export const endpointSliceController: ControllerDescriptor = {
  name: 'endpointslice',
  eventSource: 'endpoint-slice-controller',
  enabledByDefault: true,
  serviceAccount: 'endpointslice-controller',
  flags: {
    'concurrent-service-endpoint-syncs': {
      type: 'string',
      default: '5',
      help: 'Services whose EndpointSlices are synced at once',
    },
    'max-endpoints-per-slice': {
      type: 'string',
      default: '100',
      help: 'most endpoints in one EndpointSlice (1 to 1000): more makes fewer, larger slices',
    },
    'endpointslice-updates-batch-period': {
      type: 'string',
      default: '0s',
      help: 'how long EndpointSlice updates caused by pod changes wait, so that a burst of changes makes fewer writes',
    },
  },
  run: (ctx) =>
    runEndpointSliceController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'endpointslice' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'concurrent-service-endpoint-syncs'),
        maxEndpointsPerSlice: maxEndpointsPerSlice(ctx.flags),
        batchPeriodMs: durationFlag(ctx.flags, 'endpointslice-updates-batch-period'),
      },
      ctx.signal,
    ),
};
