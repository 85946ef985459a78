/**
 * A gRPC method whose messages travel as raw bytes: to serve or call a method without its
 * generated code, or to send bytes that are not its messages.
 */
import type { MethodDefinition } from '@grpc/grpc-js';

export function rawMethod(
  path: string,
  streams: { request?: boolean; response?: boolean } = {},
): MethodDefinition<Buffer, Buffer> {
  const same = (b: Buffer) => b;
  return {
    path,
    requestStream: streams.request ?? false,
    responseStream: streams.response ?? false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  };
}
