/**
 * Pipeline: many requests on one long-lived bidirectional stream. Each request is
 * dispatched as soon as it arrives; its response goes out when it completes, so
 * reads overtake writes that wait for their sync, and every write in flight joins
 * the same group commit. A client that sends faster than it reads is slowed down by
 * pausing the stream instead of buffering without bound.
 */
import type { handleBidiStreamingCall } from '@grpc/grpc-js';
import type { PipelineRequest, PipelineResponse } from '../../sdk/gen/wheelhouse/store/v1/store.js';
import type { Logger } from '../../sdk/logger.js';
import { ErrInvalidArgument } from '../types.js';
import type { Operations } from './operations.js';
import { toPipelineError } from './wire-errors.js';

/** Requests of one stream being served at once before the stream stops reading. */
const MAX_IN_FLIGHT = 4096;

type Result = NonNullable<PipelineResponse['result']>;

async function dispatch(ops: Operations, op: PipelineRequest['op']): Promise<Result> {
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
    default:
      throw ErrInvalidArgument('pipeline request carries no operation');
  }
}

export function pipelineHandler(
  ops: Operations,
  logger: Logger,
): handleBidiStreamingCall<PipelineRequest, PipelineResponse> {
  return (call) => {
    let inFlight = 0;
    let paused = false;
    let inputEnded = false;
    let closed = false;
    let needDrain = false;
    const onInternal = (err: unknown) => logger.error({ err }, 'internal error in pipeline request');

    const flow = () => {
      const shouldPause = inFlight >= MAX_IN_FLIGHT || needDrain;
      if (shouldPause && !paused) call.pause();
      else if (!shouldPause && paused) call.resume();
      paused = shouldPause;
    };
    const respond = (res: PipelineResponse) => {
      inFlight--;
      if (!closed && !call.write(res)) needDrain = true;
      flow();
      if (inputEnded && inFlight === 0 && !closed) {
        closed = true;
        call.end();
      }
    };

    call.on('data', (req: PipelineRequest) => {
      inFlight++;
      flow();
      dispatch(ops, req.op).then(
        (result) => respond({ id: req.id, result }),
        (err: unknown) =>
          respond({ id: req.id, result: { $case: 'error', value: toPipelineError(err, onInternal) } }),
      );
    });
    call.on('drain', () => {
      needDrain = false;
      flow();
    });
    call.on('end', () => {
      inputEnded = true;
      if (inFlight === 0 && !closed) {
        closed = true;
        call.end();
      }
    });
    // The client went away: answers still in flight are dropped; their writes stay committed.
    const abandon = () => {
      closed = true;
    };
    call.on('cancelled', abandon);
    call.on('error', abandon);
    call.on('close', abandon);
  };
}
