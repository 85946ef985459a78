/**
 * Pipeline: many operations on one long-lived bidirectional stream, many per message
 * in both directions. Each operation is dispatched as soon as its message arrives; its
 * result is queued when it completes and the queue goes out in one message at the end
 * of the event-loop turn, so the writes of one group commit (which complete together)
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
import { ErrInvalidArgument } from '../types.js';
import type { Operations } from './operations.js';
import { toPipelineError } from './wire-errors.js';

/** Operations of one stream being served or waiting to be sent before the stream stops reading. */
export const MAX_IN_FLIGHT = 4096;
/** At most this many results in one response message, so that a burst never builds one huge message. */
export const MAX_RESULTS_PER_MESSAGE = 256;

type Result = NonNullable<PipelineResult['result']>;

async function dispatch(ops: Operations, op: PipelineOp['op']): Promise<Result> {
  switch (op?.$case) {
    case 'get':
      return { $case: 'get', value: await ops.get(op.value) };
    case 'list':
      return { $case: 'list', value: await ops.list(op.value) };
    case 'count':
      return { $case: 'count', value: await ops.count(op.value) };
    case 'create':
      return { $case: 'create', value: await ops.create(op.value) };
    case 'update':
      return { $case: 'update', value: await ops.update(op.value) };
    case 'delete':
      return { $case: 'delete', value: await ops.delete(op.value) };
    case 'requestProgress':
      return { $case: 'requestProgress', value: await ops.requestProgress(op.value) };
    default:
      throw ErrInvalidArgument('pipeline operation carries no request');
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
        // After the microtasks of this turn: everything that completed with this result goes along.
        setImmediate(flush);
      }
    };

    call.on('data', (req: PipelineRequest) => {
      inFlight += req.ops.length;
      flow();
      for (const { id, op } of req.ops) {
        dispatch(ops, op).then(
          (result) => answer({ id, result }),
          (err: unknown) =>
            answer({ id, result: { $case: 'error', value: toPipelineError(err, onInternal) } }),
        );
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
