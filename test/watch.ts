/** Reads a server-streaming watch in tests: collect events until a condition or a timeout. */
import type { Client, ClientReadableStream } from '@grpc/grpc-js';
import { type ApiError, fromServiceError } from '../sdk/errors.js';
import { ListOptions, WatchEventType } from '../sdk/gen/wheelhouse/meta/v1/meta.js';

/** Any kind's `Watch<Kinds>Response`. */
interface WatchResponse<T> {
  events: { type: WatchEventType; object?: T }[];
}

export interface SeenEvent<T> {
  type: string;
  object: T;
}

export class WatchReader<T> {
  readonly events: SeenEvent<T>[] = [];
  error: ApiError | undefined;
  ended = false;
  private waiters: Array<() => void> = [];

  /** Response messages received: a burst of events may travel in one. */
  messages = 0;

  /** The server has answered with its response headers, or more. */
  private answered = false;

  constructor(readonly stream: ClientReadableStream<WatchResponse<T>>) {
    stream.on('metadata', () => {
      this.answered = true;
      this.wake();
    });
    stream.on('data', (res: WatchResponse<T>) => {
      this.answered = true;
      this.messages++;
      for (const e of res.events) {
        this.events.push({
          type: WatchEventType[e.type].replace('WATCH_EVENT_TYPE_', ''),
          object: e.object as T,
        });
      }
      this.wake();
    });
    stream.on('error', (err) => {
      this.error = fromServiceError(err);
      this.ended = true;
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `predicate` holds over the events seen so far. */
  async until(predicate: (events: SeenEvent<T>[]) => boolean, timeoutMs = 10_000): Promise<SeenEvent<T>[]> {
    await this.waitFor(() => predicate(this.events), timeoutMs, 'the condition held');
    return this.events;
  }

  /**
   * Waits until the server has started the watch. The apiserver sends its response
   * headers once the watch is registered, so a change made after this reaches a watch
   * "from now" (no resourceVersion); one made before may not, however long it waits.
   */
  async started(timeoutMs = 20_000): Promise<void> {
    await this.waitFor(() => this.answered, timeoutMs, 'the server started the watch');
  }

  private async waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.ended) throw new Error(`watch ended (${this.error?.message ?? 'no error'}) before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out before ${what}; saw ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the stream to end; resolves with its error, if any. */
  async end(timeoutMs = 10_000): Promise<ApiError | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('watch did not end');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.error;
  }

  cancel(): void {
    this.stream.cancel();
  }
}

/** Starts a watch; `req` is `{ namespace?, options? }` with partial ListOptions. */
export function watch<T>(
  client: Client,
  method: string,
  req: { namespace?: string; options?: Partial<ListOptions> },
): WatchReader<T> {
  const fn = (client as unknown as Record<string, (r: unknown) => ClientReadableStream<WatchResponse<T>>>)[
    method
  ];
  if (typeof fn !== 'function') throw new Error(`no method ${method}`);
  return new WatchReader<T>(
    fn.call(client, { namespace: req.namespace ?? '', options: ListOptions.fromPartial(req.options ?? {}) }),
  );
}
