/**
 * Adapters from async functions to grpc-js handlers, so that handlers are written
 * as `async (request, call) => response` and every error, thrown or rejected,
 * becomes a proper gRPC status through `toServiceError`.
 */
import type {
  handleServerStreamingCall,
  handleUnaryCall,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import { toServiceError } from '../errors.js';

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
