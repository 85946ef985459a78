/**
 * Adapters from async functions to grpc-js handlers, so that handlers are written
 * as `async (request, call) => response` and every error, thrown or rejected,
 * becomes a proper gRPC status through `toServiceError`.
 */
import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import { ApiError, toServiceError } from '../errors.js';

export type UnaryFn<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>;

/** Called with errors that are not ApiErrors: bugs, to be logged with their stack. */
export type InternalErrorSink = (err: unknown) => void;

let internalErrorSink: InternalErrorSink = (err) => {
  console.error('internal error in handler', err);
};

/** Where handlers report unexpected errors; the server bootstrap points it at its logger. */
export function setInternalErrorSink(sink: InternalErrorSink): void {
  internalErrorSink = sink;
}

export function asyncUnary<Req, Res>(fn: UnaryFn<Req, Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let promise: Promise<Res>;
    try {
      promise = fn(call.request, call);
    } catch (err) {
      callback(toServiceError(err, internalErrorSink));
      return;
    }
    promise.then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err, internalErrorSink)),
    );
  };
}

export type ServerStreamFn<Req, Res> = (
  request: Req,
  call: ServerWritableStream<Req, Res>,
  /** Aborted when the client cancels or disconnects. */
  signal: AbortSignal,
) => Promise<void>;

/**
 * A server-streaming handler: the function writes with `call.write` and returns
 * when the stream is complete; a rejection ends the stream with that status. A
 * client that goes away aborts `signal`; nothing is written after that.
 */
export function asyncServerStream<Req, Res>(
  fn: ServerStreamFn<Req, Res>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    call.on('cancelled', abort);
    call.on('close', abort);
    call.on('error', abort);
    const finish = (err?: unknown) => {
      if (controller.signal.aborted && err === undefined) {
        if (!call.writableEnded) call.end();
        return;
      }
      if (err === undefined) call.end();
      else if (!call.destroyed) call.emit('error', toServiceError(err, internalErrorSink));
      controller.abort();
    };
    let promise: Promise<void>;
    try {
      promise = fn(call.request, call, controller.signal);
    } catch (err) {
      finish(err);
      return;
    }
    promise.then(
      () => finish(),
      (err: unknown) => finish(err),
    );
  };
}

export type DuplexFn<Req, Res> = (
  call: ServerDuplexStream<Req, Res>,
  /** Aborted when the client cancels or the call fails. */
  signal: AbortSignal,
) => Promise<void>;

/**
 * A bidirectional-streaming handler: the function reads and writes the call and returns
 * when it is complete, which ends the call; a rejection ends it with that status and
 * aborts `signal`, so whatever the function started stops.
 */
export function asyncDuplex<Req, Res>(fn: DuplexFn<Req, Res>): handleBidiStreamingCall<Req, Res> {
  return (call) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    call.on('cancelled', abort);
    call.on('error', abort);
    let promise: Promise<void>;
    try {
      promise = fn(call, controller.signal);
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(
      () => {
        if (!call.writableEnded) call.end();
      },
      (err: unknown) => {
        if (!controller.signal.aborted && !call.destroyed) {
          call.emit('error', toServiceError(err, internalErrorSink));
        }
        controller.abort();
      },
    );
  };
}

/**
 * The message that must open a bidirectional call, whose request is a oneof `message`
 * with a `start` case (what to run and where); the call is paused after it, so that
 * nothing more is read until the caller is ready. Anything else first, the call ending
 * or `signal` aborting is INVALID_ARGUMENT; `method` and `what` word the message.
 */
export function firstStartMessage<Start, Req extends { message?: { $case: string; value?: unknown } }>(
  call: ServerDuplexStream<Req, unknown>,
  signal: AbortSignal,
  method: string,
  what: string,
): Promise<Start> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      call.off('data', onData);
      call.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
    };
    const onData = (request: Req) => {
      cleanup();
      call.pause();
      if (request.message?.$case === 'start') resolve(request.message.value as Start);
      else {
        reject(
          ApiError.invalid(
            `the first message of ${method} must be "start" (${what}), not "${request.message?.$case ?? 'empty'}"`,
          ),
        );
      }
    };
    const onEnd = () => {
      cleanup();
      reject(ApiError.invalid(`${method} ended before its "start" message named ${what}`));
    };
    const onAbort = () => {
      cleanup();
      reject(ApiError.invalid(`${method} was cancelled before it started`));
    };
    call.on('data', onData);
    call.on('end', onEnd);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
