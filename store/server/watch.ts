import { once } from 'node:events';
import type { ServerWritableStream } from '@grpc/grpc-js';
import {
  type WatchRequest,
  type WatchResponse,
  WatchResponse as WatchResponseCodec,
} from '../../sdk/gen/wheelhouse/store/v1/store.js';
import { encodeToBuffer } from '../../sdk/wire/encode-to-buffer.js';
import type { Backend } from '../types.js';
import { toCount } from '../validate.js';
import { watchBatchToProto } from './convert.js';
import { encodeWatchBatch } from './watch-encoding.js';
import { toWireError } from './wire-errors.js';

/**
 * Watch: first a response with no events naming the revision the watch starts after
 * (so that a watch "from now" learns where now is), then every change in order. The
 * stream is only written as fast as the client reads: what the client does not take
 * piles up in the backend's bounded per-watcher queue, which ends the watch with
 * RESOURCE_EXHAUSTED when full.
 */
export async function serveWatch(
  backend: Backend,
  req: WatchRequest,
  call: ServerWritableStream<WatchRequest, WatchResponse>,
  signal: AbortSignal,
): Promise<void> {
  try {
    const start = toCount('start_revision', req.startRevision) || backend.currentRevision();
    const progressIntervalMs = toCount('progress_interval_ms', req.progressIntervalMs);
    const batches = backend.watch(req.prefix, start, { signal, progressIntervalMs });
    await send(call, { events: [], revision: String(start) }, signal);
    for await (const batch of batches) {
      if (signal.aborted) return;
      // Bytes encoded here leave as they are (see watchResponseSerialize).
      await send(call, encodeWatchBatch(batch) ?? watchBatchToProto(batch), signal);
    }
  } catch (err) {
    throw toWireError(err);
  }
}

async function send(
  call: ServerWritableStream<WatchRequest, WatchResponse>,
  res: WatchResponse | Buffer,
  signal: AbortSignal,
): Promise<void> {
  if (call.write(res as WatchResponse) || signal.aborted) return;
  try {
    await once(call, 'drain', { signal });
  } catch {
    // Aborted: the client is gone and the loop ends on its next check.
  }
}

/**
 * The Watch method's response serializer: a response serveWatch already encoded
 * (a Buffer) is sent as it is, any other goes through the generated encoder.
 */
export function watchResponseSerialize(value: WatchResponse | Buffer): Buffer {
  return Buffer.isBuffer(value) ? value : encodeToBuffer(WatchResponseCodec, value);
}
