/**
 * Pipeline: many operations on one long-lived bidirectional stream, many per message
 * in both directions. Each operation is dispatched as soon as its message arrives; its
 * result is queued when it completes and the queue goes out in one message once the
 * turn's microtasks have run, so the writes of one group commit (which complete together)
 * and the reads of one burst travel back together, and reads still overtake writes
 * whose sync waits in the thread pool. A client that sends faster than it reads is slowed down
 * by pausing the stream instead of buffering without bound.
 */
import type { handleBidiStreamingCall } from '@grpc/grpc-js';
import type {
  PipelineOp,
  PipelineRequest,
  PipelineResponse,
  PipelineResult,
} from '../../sdk/gen/wheelhouse/store/v1/store.js';
import type { Logger } from '../../sdk/logger.js';
import { ErrInvalidArgument, type Event } from '../types.js';
import { deleteResponse, putResponse } from './convert.js';
import type { Operations, WriteOperation } from './operations.js';
import { toPipelineError } from './wire-errors.js';

/** Operations of one stream being served or waiting to be sent before the stream stops reading. */
export const MAX_IN_FLIGHT = 4096;
/** At most this many results in one response message, so that a burst never builds one huge message. */
export const MAX_RESULTS_PER_MESSAGE = 256;

type Result = NonNullable<PipelineResult['result']>;

/** Runs one read or progress request; resolves to its result, tagged with its case. */
function dispatch(ops: Operations, op: Exclude<PipelineOp['op'], WriteOperation>): Promise<Result> {
  switch (op?.$case) {
    case 'get':
      return ops.get(op.value).then((value) => ({ $case: 'get', value }));
    case 'list':
      return ops.list(op.value).then((value) => ({ $case: 'list', value }));
    case 'count':
      return ops.count(op.value).then((value) => ({ $case: 'count', value }));
    case 'requestProgress':
      return ops.requestProgress(op.value).then((value) => ({ $case: 'requestProgress', value }));
    default:
      return Promise.reject(ErrInvalidArgument('pipeline operation carries no request'));
  }
}

/** A durable write's result, tagged with its case. */
function writeResult($case: WriteOperation['$case'], event: Event): Result {
  switch ($case) {
    case 'create':
      return { $case, value: putResponse(event) };
    case 'update':
      return { $case, value: putResponse(event) };
    case 'delete':
      return { $case, value: deleteResponse(event) };
  }
}

export function pipelineHandler(
  ops: Operations,
  logger: Logger,
): handleBidiStreamingCall<PipelineRequest, PipelineResponse> {
  return (call) => {
    /** Operations received and not yet written back (being served, or in `outbox`). */
    let inFlight = 0;
    let outbox: PipelineResult[] = [];
    let flushScheduled = false;
    let paused = false;
    let inputEnded = false;
    let closed = false;
    let needDrain = false;
    const onInternal = (err: unknown) => logger.error({ err }, 'internal error in pipeline operation');
    const refusal = (err: unknown): Result => ({ $case: 'error', value: toPipelineError(err, onInternal) });

    const flow = () => {
      const shouldPause = inFlight >= MAX_IN_FLIGHT || needDrain;
      if (shouldPause && !paused) call.pause();
      else if (!shouldPause && paused) call.resume();
      paused = shouldPause;
    };
    const endIfDone = () => {
      if (inputEnded && inFlight === 0 && !closed) {
        closed = true;
        call.end();
      }
    };
    const flush = () => {
      flushScheduled = false;
      while (outbox.length > 0) {
        const results =
          outbox.length <= MAX_RESULTS_PER_MESSAGE ? outbox : outbox.slice(0, MAX_RESULTS_PER_MESSAGE);
        outbox = outbox.length <= MAX_RESULTS_PER_MESSAGE ? [] : outbox.slice(MAX_RESULTS_PER_MESSAGE);
        inFlight -= results.length;
        // Past the transport's buffer the results are still written (they are bounded by
        // MAX_IN_FLIGHT); reading more requests waits for 'drain'.
        if (!closed && !call.write({ results })) needDrain = true;
      }
      flow();
      endIfDone();
    };
    const answer = (result: PipelineResult) => {
      if (closed) {
        inFlight--;
        return;
      }
      outbox.push(result);
      if (outbox.length >= MAX_RESULTS_PER_MESSAGE) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        // Once the microtask queue has drained: every result that completed with this one
        // goes along, and none waits for another turn of the event loop.
        process.nextTick(flush);
      }
    };

    call.on('data', (req: PipelineRequest) => {
      inFlight += req.ops.length;
      flow();
      for (const { id, op } of req.ops) {
        if (op?.$case === 'create' || op?.$case === 'update' || op?.$case === 'delete') {
          // Writes take the callback path: a message of many writes costs no promise chain each.
          const $case = op.$case;
          ops.write(op, (err, event) =>
            answer({ id, result: event ? writeResult($case, event) : refusal(err) }),
          );
        } else {
          dispatch(ops, op).then(
            (result) => answer({ id, result }),
            (err: unknown) => answer({ id, result: refusal(err) }),
          );
        }
      }
    });
    call.on('drain', () => {
      needDrain = false;
      flow();
    });
    call.on('end', () => {
      inputEnded = true;
      endIfDone();
    });
    // The client went away: results still in flight are dropped; their writes stay committed.
    const abandon = () => {
      closed = true;
      outbox = [];
    };
    call.on('cancelled', abandon);
    call.on('error', abandon);
    call.on('close', abandon);
  };
}
