/**
 * A grpc.health.v1 Health/Check client: the way `wheelhouse up` knows a
 * component is ready and `whctl version` tells whether the apiserver answers.
 * The two messages are one string and one enum, encoded here by hand rather
 * than generating code for them.
 */
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  type ChannelCredentials,
  type ChannelOptions,
  Client,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
const STATUSES: readonly ServingStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

const CHECK = '/grpc.health.v1.Health/Check';

/** The serving status of `service` ('' is the whole server); rejects when the server cannot be reached. */
export function checkHealth(
  address: string,
  credentials: ChannelCredentials,
  opts: { options?: ChannelOptions; service?: string; timeoutMs?: number } = {},
): Promise<ServingStatus> {
  // A private subchannel: grpc-js otherwise shares one per target, and after a
  // refused connection (a server still starting) it waits out a growing backoff
  // before trying again, which would delay every later check.
  const client = new Client(address, credentials, { ...opts.options, 'grpc.use_local_subchannel_pool': 1 });
  return new Promise<ServingStatus>((resolve, reject) => {
    client.makeUnaryRequest<string, ServingStatus>(
      CHECK,
      (service) => Buffer.from(new BinaryWriter().uint32(10).string(service).finish()),
      decodeResponse,
      opts.service ?? '',
      new Metadata(),
      { deadline: Date.now() + (opts.timeoutMs ?? 2_000) },
      (err: ServiceError | null, status?: ServingStatus) => {
        if (err) reject(err);
        else resolve(status ?? 'UNKNOWN');
      },
    );
  }).finally(() => client.close());
}

function decodeResponse(bytes: Buffer): ServingStatus {
  const reader = new BinaryReader(bytes);
  let status = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 8) status = reader.int32();
    else reader.skip(tag & 7);
  }
  return STATUSES[status] ?? 'UNKNOWN';
}
