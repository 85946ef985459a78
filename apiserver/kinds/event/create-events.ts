/**
 * EventService.CreateEvents: Event creates over one long-lived stream, for a component
 * that records an Event for nearly everything it does (the scheduler: one per pod
 * bound). Each request is one Event, created exactly as CreateEvent creates its own —
 * `create` on `events` in the Event's namespace authorized for the caller, then the
 * registry's create with its defaulting, validation and admission — and answered by
 * its id, in the order the creates complete (the stream's handling is
 * `servePipelinedStream`'s). A create that fails answers its error (an invalid Event:
 * INVALID_ARGUMENT naming each field; a namespace the caller may not write:
 * PERMISSION_DENIED); the stream goes on.
 *
 * Each create is one write of the store: a stream that is cancelled leaves nothing
 * half-done (a create whose write was sent completes, its answer lost with the stream).
 *
 * The audit log records the stream as it records any call, once at its end: `create` on
 * `events` by the caller, naming the namespace of the last Event authorized.
 */
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import type {
  CreateEventsRequest,
  CreateEventsResponse,
} from '../../../sdk/gen/wheelhouse/core/v1/event_service.js';
import { asyncDuplex } from '../../../sdk/server/index.js';
import { managedBy } from '../../services/call-context.js';
import { itemLatency, servePipelinedStream } from '../../services/pipelined-stream-handler.js';
import type { SubresourceContext } from '../kind-definition.js';

/**
 * Creates one stream has in flight at most: past it the stream is not read until some
 * complete, so a fast client is held back by HTTP/2 flow control instead of queueing
 * without bound in the server.
 */
export const maxEventsInFlight = 256;

/** The CreateEvents method. */
export const eventCreateEventsMethods = ({ registry, gate, options }: SubresourceContext<Event>) => ({
  createEvents: asyncDuplex<CreateEventsRequest, CreateEventsResponse>((call, signal) =>
    servePipelinedStream(call, signal, {
      observe: itemLatency(options.metrics, 'wheelhouse.core.v1.EventService', 'CreateEvent'),
      item: 'Event',
      maxInFlight: maxEventsInFlight,
      perform: async (request) => {
        const event = request.event;
        // As CreateEvent: an Event that names no namespace is created in `default`.
        const namespace = event?.metadata?.namespace || 'default';
        const ctx = await gate.admit(call.metadata, {
          verb: 'create',
          info: registry.info,
          namespace,
          name: '',
        });
        return registry.create(event, { ...managedBy(ctx, call.metadata), signal });
      },
    }),
  ),
});
