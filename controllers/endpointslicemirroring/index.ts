/** The `endpointslicemirroring` controller of the controller manager, with kube-controller-manager's flags. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { durationFlag, positiveIntFlag } from '../shared/flags.js';
import { runEndpointSliceMirroringController } from './endpoint-slice-mirroring-controller.js';

/** The API's limit on a slice's endpoints, and so on the flag (kube-controller-manager checks the same). */
const MAX_ENDPOINTS_LIMIT = 1000;

function maxEndpointsPerSubset(flags: Readonly<Record<string, string | boolean | undefined>>): number {
  const n = positiveIntFlag(flags, 'mirroring-max-endpoints-per-subset');
  if (n > MAX_ENDPOINTS_LIMIT) {
    throw new Error(
      `--mirroring-max-endpoints-per-subset must be between 1 and ${MAX_ENDPOINTS_LIMIT}, got ${n}`,
    );
  }
  return n;
}

export const endpointSliceMirroringController: ControllerDescriptor = {
  name: 'endpointslicemirroring',
  eventSource: 'endpointslicemirroring-controller',
  enabledByDefault: true,
  serviceAccount: 'endpointslicemirroring-controller',
  flags: {
    'mirroring-concurrent-service-endpoint-syncs': {
      type: 'string',
      default: '5',
      help: 'Endpoints whose mirrored EndpointSlices are synced at once',
    },
    'mirroring-max-endpoints-per-subset': {
      type: 'string',
      default: '1000',
      help: 'most addresses of one Endpoints subset mirrored to an EndpointSlice (1 to 1000)',
    },
    'mirroring-endpointslice-updates-batch-period': {
      type: 'string',
      default: '0s',
      help: 'how long syncs caused by EndpointSlice changes wait, so that a burst of changes makes fewer writes',
    },
  },
  run: (ctx) =>
    runEndpointSliceMirroringController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'endpointslicemirroring' }),
        registry: ctx.registry,
        workers: positiveIntFlag(ctx.flags, 'mirroring-concurrent-service-endpoint-syncs'),
        maxEndpointsPerSubset: maxEndpointsPerSubset(ctx.flags),
        batchPeriodMs: durationFlag(ctx.flags, 'mirroring-endpointslice-updates-batch-period'),
      },
      ctx.signal,
    ),
};
