/**
 * Writes ready-made gRPC messages (the 5-byte length prefix and the bytes, in one
 * Buffer) on a server stream. grpc-js copies every message into a new buffer to add
 * that prefix; a watch that sends the same bytes to a thousand streams frames them
 * once and writes that one buffer to each HTTP/2 stream, with no copy and no
 * allocation per stream. This reaches grpc-js's HTTP/2 stream, which is not part of
 * its typed interface (as peer.ts does); when it is not where expected, messages go
 * through `call.write` (the prefix stripped) and nothing else changes.
 */
import { Metadata, type ServerWritableStream } from '@grpc/grpc-js';

interface Http2StreamLike {
  write(chunk: Buffer, callback: (err?: Error | null) => void): boolean;
  on(event: 'error', listener: () => void): unknown;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
}

/** grpc-js's server calls wrap one another (`nextCall`); the innermost holds the stream. */
interface CallLayer {
  readonly nextCall?: CallLayer;
  readonly stream?: Http2StreamLike;
}

/** A writer of framed messages; `done` is called once the message has left (or the stream is gone). */
export type FramedWriter = (message: Buffer, done: () => void) => void;

export function framedWriter(call: ServerWritableStream<unknown, unknown>): FramedWriter {
  let layer = (call as unknown as { call?: CallLayer }).call;
  while (layer && !layer.stream && layer.nextCall) layer = layer.nextCall;
  const stream = layer?.stream;
  if (!stream || typeof stream.write !== 'function' || typeof stream.on !== 'function') {
    return (message, done) => {
      call.write(message.subarray(5), done);
    };
  }
  // The response headers go first, as grpc-js sends them before its own first message.
  call.sendMetadata(new Metadata());
  // A stream the client has reset reports a failed write here; grpc-js ends the call itself.
  stream.on('error', () => {});
  return (message, done) => {
    if (stream.destroyed || stream.writableEnded) {
      done();
      return;
    }
    stream.write(message, () => done());
  };
}
