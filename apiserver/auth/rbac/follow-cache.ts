/**
 * Keeps something in memory in step with one resource of the apiserver's watch cache:
 * the current objects first, then every change, for as long as the signal lives. If the
 * watch ends (the cache restarts, or this consumer fell behind), it watches again and
 * reconciles what it had with the fresh snapshot, so no change is lost.
 */
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { Logger } from '../../../sdk/logger.js';
import { INITIAL_EVENTS_END_ANNOTATION, type WatchCache } from '../../watch-cache/index.js';

export interface ObjectHandler<T> {
  set(obj: T): unknown;
  remove(obj: T): unknown;
}

const RETRY_MS = 200;

function keyOf(obj: KindObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** Resolves once the initial objects are applied; follows changes in the background until `signal` aborts. */
export function followCache<T extends KindObject>(
  cache: WatchCache<T>,
  resource: string,
  handler: ObjectHandler<T>,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  let known = new Map<string, T>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const apply = async (seen: Map<string, T>) => {
    for (const [key, old] of known) if (!seen.has(key)) await handler.remove(old);
    for (const [key, obj] of seen) {
      if (known.get(key)?.metadata?.resourceVersion !== obj.metadata?.resourceVersion) await handler.set(obj);
    }
    known = seen;
  };

  const run = async () => {
    while (!signal.aborted) {
      try {
        const seen = new Map<string, T>();
        let initial = true;
        const events = cache.watch({
          prefix: `/registry/${resource}/`,
          sendInitialEvents: true,
          allowBookmarks: true,
          signal,
        });
        for await (const event of events) {
          if (event.type === 'BOOKMARK') {
            if (initial && event.object.metadata?.annotations?.[INITIAL_EVENTS_END_ANNOTATION] === 'true') {
              initial = false;
              await apply(seen);
              markReady();
            }
            continue;
          }
          const key = keyOf(event.object);
          if (initial) seen.set(key, event.object);
          else if (event.type === 'DELETED') {
            known.delete(key);
            await handler.remove(event.object);
          } else {
            known.set(key, event.object);
            await handler.set(event.object);
          }
        }
      } catch (err) {
        if (!signal.aborted)
          logger.warn({ err, resource }, 'following the watch cache failed; watching again');
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, RETRY_MS).unref());
    }
  };
  void run();
  return ready;
}
