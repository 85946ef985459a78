/**
 * A watch call's responses read as batches of events, one batch a message (several events
 * to a message under load): the one read loop behind every watch of the SDK.
 */
import type { ClientReadableStream } from '@grpc/grpc-js';
import { fromServiceError } from '../errors.js';

/**
 * The events of each response of `stream` until `signal` aborts (the watch then ends
 * quietly: cancelling the call is how a watch is stopped) or the server ends it; an error
 * of the call is thrown as an ApiError. The call is cancelled when the reader stops.
 */
export async function* watchEventBatches<E>(
  stream: ClientReadableStream<unknown>,
  signal: AbortSignal,
): AsyncIterable<readonly E[]> {
  const cancel = () => stream.cancel();
  if (signal.aborted) cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const response of stream) {
      yield (response as { events: E[] }).events;
    }
  } catch (err) {
    if (signal.aborted) return;
    throw fromServiceError(err);
  } finally {
    signal.removeEventListener('abort', cancel);
    stream.cancel();
  }
}
