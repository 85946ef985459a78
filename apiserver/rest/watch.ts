/**
 * A watch over REST: `{"type","object"}` JSON lines, one per event, written as the watch
 * cache hands events out (chunked over HTTP/1.1, DATA frames over HTTP/2). The same
 * watch as the gRPC one (registry.watch: bookmarks, initial events, label and field
 * filters), ended by `timeoutSeconds`, by the client, or by the cache with an ERROR event
 * carrying the Status (410 Expired for a watcher that fell too far behind).
 */
import type { ListOptions } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { JsonObject } from '../../sdk/manifest/index.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { watchTimeoutMs } from '../services/kind-service.js';
import { MAX_EVENTS_PER_TAKE } from '../services/watch-encoding.js';
import type { CacheEvent } from '../watch-cache/index.js';
import type { ObjectForm } from './accept.js';
import { encodeRestObject } from './codec.js';
import { statusOf } from './errors.js';
import { tableOf } from './table/index.js';
import type { RestRequest, RestResponse, RestResult } from './types.js';
import type { ServedVersion } from './versions/served-versions.js';

export async function serveWatch(
  req: RestRequest,
  res: RestResponse,
  registry: GenericRegistry<KindObject>,
  options: ListOptions,
  form: ObjectForm,
  /** The version events' objects are written in, when not the kind's own. */
  view?: ServedVersion,
): Promise<RestResult> {
  const info = registry.info;
  const timeout = watchTimeoutMs(options.timeoutSeconds);
  const controller = new AbortController();
  const stop = () => controller.abort();
  req.signal.addEventListener('abort', stop, { once: true });
  const timer = timeout > 0 ? setTimeout(stop, timeout) : undefined;
  const cleanup = () => {
    if (timer) clearTimeout(timer);
    req.signal.removeEventListener('abort', stop);
  };
  let watcher: Awaited<ReturnType<typeof registry.watch>>;
  try {
    watcher = await registry.watch(info.namespaced ? req.namespace : '', options, controller.signal);
  } catch (err) {
    cleanup();
    throw err;
  }
  const includeObject = (req.url.searchParams.get('includeObject') ?? 'Metadata') as
    | 'None'
    | 'Metadata'
    | 'Object';
  let headersSent = false;
  const encode = (event: CacheEvent<KindObject>): string => {
    let object: JsonObject;
    if (form === 'table' && event.type !== 'BOOKMARK') {
      object = tableOf(info, [event.object], { includeObject, noHeaders: headersSent, view });
      headersSent = true;
    } else {
      object = encodeRestObject(info, event.object, view);
    }
    return `${JSON.stringify({ type: event.type, object })}\n`;
  };

  const write = (text: string): boolean => (res as { write(chunk: string): boolean }).write(text);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
  // Flushes the headers now: clients wait for them before they report the watch as started.
  if ('flushHeaders' in res) res.flushHeaders();
  try {
    await new Promise<void>((resolve) => {
      let paused = false;
      const drained = () => {
        if (paused) {
          paused = false;
          watcher.resume();
        }
      };
      res.on('drain', drained);
      watcher.consume(
        {
          deliver: (events) => {
            let text = '';
            for (const event of events) text += encode(event);
            const ok = write(text);
            paused = !ok;
            return ok;
          },
          end: (err) => {
            res.off('drain', drained);
            if (err) {
              const { body } = statusOf(err);
              write(`${JSON.stringify({ type: 'ERROR', object: body })}\n`);
            }
            resolve();
          },
        },
        MAX_EVENTS_PER_TAKE,
      );
    });
  } finally {
    watcher.close();
    cleanup();
    if (!res.writableEnded) res.end();
  }
  return undefined;
}
