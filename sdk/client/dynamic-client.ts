/**
 * A dynamic client over the kind table: create, get, list, update, delete and
 * watch for any kind, with one gRPC client per kind created on first use. The
 * generated services all have the same shape (scripts/service-protos.ts), so
 * the method and field names follow from the KindInfo; errors come back as
 * ApiErrors with their field causes.
 */
import {
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientReadableStream,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { Backoff, sleep } from '../backoff.js';
import { ApiError, Code, fromServiceError } from '../errors.js';
import type { DeleteOptions, ListMeta, ListOptions } from '../gen/wheelhouse/meta/v1/meta.js';
import { PatchType, WatchEventType } from '../gen/wheelhouse/meta/v1/meta.js';
import { loadedKindTypes, loadKindTypes } from '../kind-loader.js';
import type { KindObject, KindTypes } from '../kind-registry.js';
import { fieldOf, type KindInfo, pluralOf } from '../kinds.js';
import { ChannelPool } from './channel-pool.js';
import type { Connection } from './connection.js';
import { watchEventBatches } from './watch-stream.js';

export { type Connection, connectionFor } from './connection.js';

export { PatchType, WatchEventType };

export interface ObjectList {
  readonly metadata: ListMeta | undefined;
  readonly items: KindObject[];
}

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: KindObject | undefined;
}

/** The standard calls, for any kind. Namespaces are ignored for cluster-scoped kinds. */
export interface ApiClient {
  create(info: KindInfo, object: KindObject, opts?: { dryRun?: boolean }): Promise<KindObject>;
  get(info: KindInfo, namespace: string, name: string): Promise<KindObject>;
  /** One page; `namespace` '' lists every namespace. */
  list(info: KindInfo, namespace: string, options?: Partial<ListOptions>): Promise<ObjectList>;
  update(info: KindInfo, object: KindObject, opts?: { dryRun?: boolean }): Promise<KindObject>;
  /** A generated client of another service (access reviews) on the same channel. */
  serviceClient<C extends Client>(ctor: new (address: string, credentials: ChannelCredentials) => C): C;
  /**
   * Changes one object by a patch document (JSON text, or a value to serialise), read and
   * written atomically by the server; `status` patches the status subresource.
   */
  patch(
    info: KindInfo,
    namespace: string,
    name: string,
    type: PatchType,
    patch: string | object,
    opts?: { dryRun?: boolean; status?: boolean },
  ): Promise<KindObject>;
  /** The status subresource: only status changes. */
  updateStatus(info: KindInfo, object: KindObject): Promise<KindObject>;
  /** Any other unary method of the kind's service (`bindPod`, `getDeploymentScale`), by its client name. */
  call(info: KindInfo, method: string, request: object): Promise<Record<string, unknown>>;
  delete(
    info: KindInfo,
    namespace: string,
    name: string,
    options?: Partial<DeleteOptions>,
  ): Promise<KindObject>;
  /**
   * The events of a watch as the server sends them, several to a message under load: what
   * a consumer that handles many events (an informer) reads, one await a message.
   */
  watchMessages(
    info: KindInfo,
    namespace: string,
    options: Partial<ListOptions>,
    signal: AbortSignal,
  ): AsyncIterable<readonly WatchEvent[]>;
  /** Streams events until the signal aborts (the stream then ends quietly) or the server ends it. */
  watch(
    info: KindInfo,
    namespace: string,
    options: Partial<ListOptions>,
    signal: AbortSignal,
  ): AsyncIterable<WatchEvent>;
  close(): void;
}

/** Unary calls give up after this long unless told otherwise; watches have no deadline. */
export const CALL_TIMEOUT_MS = 30_000;
/**
 * How long a call that finds the apiserver UNAVAILABLE (a read, or a write that was never
 * sent) keeps trying: long enough to ride out a restart of the apiserver's process.
 */
const RETRY_BUDGET_MS = 3_000;

/**
 * Whether an UNAVAILABLE call never reached a server: grpc-js fails calls at once while
 * its channel has no connection (after a refused or dropped one, until it reconnects).
 */
function neverSent(err: ApiError): boolean {
  return err.message.startsWith('No connection established');
}

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
  callback: (err: ServiceError | null, response?: unknown) => void,
) => unknown;
type StreamMethod = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
) => ClientReadableStream<unknown>;

export interface ApiClientOptions {
  /** Deadline of each unary call (default 30 s). */
  readonly timeoutMs?: number;
}

/**
 * A client over one channel per apiserver endpoint, shared by every kind. Every unary
 * call has a deadline. A call that finds its endpoint UNAVAILABLE moves the client to
 * the next endpoint; reads (get, list), and writes that never left, are then tried
 * again with jittered backoff, while other writes fail (the server may have applied
 * them) and the caller decides.
 */
export function createApiClient(connection: Connection, opts: ApiClientOptions = {}): ApiClient {
  const pool = new ChannelPool(connection);
  const timeoutMs = opts.timeoutMs ?? CALL_TIMEOUT_MS;
  // A kind's generated code is loaded on its first call (sdk/kind-loader.ts); from then on
  // `types` answers synchronously.
  const types = (info: KindInfo): KindTypes | Promise<KindTypes> =>
    loadedKindTypes(info) ?? loadKindTypes(info);
  const methodOf = (loaded: KindTypes, info: KindInfo, name: string, index: number) => {
    const client = pool.client(loaded.client, info.kind, index) as unknown as Record<string, unknown>;
    const fn = client[name];
    if (typeof fn !== 'function') throw new Error(`the ${info.kind} client has no method ${name}`);
    return (fn as (...args: never[]) => unknown).bind(client);
  };
  const once = async (info: KindInfo, name: string, request: object, deadline: number, index: number) => {
    const call = methodOf(await types(info), info, name, index) as unknown as UnaryMethod;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      // grpc-js captures a stack trace at every unary call to append to a failed call's
      // error; the error becomes an ApiError here and that trace is never read, so it is
      // not captured (a stack walk per call, ~1.5 % of the controller manager's CPU).
      const stackTraceLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        call(request, new Metadata(), { deadline }, (err, response) => {
          if (err) reject(fromServiceError(err));
          else resolve((response ?? {}) as Record<string, unknown>);
        });
      } finally {
        Error.stackTraceLimit = stackTraceLimit;
      }
    });
  };
  const unary = async (
    info: KindInfo,
    name: string,
    request: object,
    idempotent = false,
  ): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + timeoutMs;
    const backoff = new Backoff({ initialMs: 100, maxMs: 1_000 });
    const giveUpAt = Math.min(deadline, Date.now() + RETRY_BUDGET_MS);
    for (;;) {
      const index = pool.current;
      try {
        return await once(info, name, request, deadline, index);
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== Code.UNAVAILABLE) throw err;
        pool.failover(index);
        const delay = backoff.next();
        // A write is tried again only when it never left (no connection): otherwise the
        // server may have applied it before the connection broke.
        const retryable = idempotent || neverSent(err);
        if (!retryable || Date.now() + delay >= giveUpAt) throw err;
        await sleep(delay);
      }
    }
  };
  // Cluster-scoped kinds have no namespace field; the encoder would ignore it, but
  // leaving it out keeps requests honest.
  const scope = (info: KindInfo, namespace: string) => (info.namespaced ? { namespace } : {});
  const objectOf = (info: KindInfo, response: Record<string, unknown>): KindObject => {
    const object = response[fieldOf(info)];
    if (object === undefined) throw new Error(`the server answered without a ${info.kind}`);
    return object as KindObject;
  };

  const messagesOf = (
    info: KindInfo,
    namespace: string,
    options: Partial<ListOptions>,
    signal: AbortSignal,
  ) => {
    const start = (loaded: KindTypes) => {
      const call = methodOf(loaded, info, `watch${pluralOf(info)}`, pool.current) as unknown as StreamMethod;
      return call({ ...scope(info, namespace), options: listOptions(options) }, new Metadata(), {});
    };
    const loaded = types(info);
    // Once the kind is loaded, the watch starts when it is asked for, as it always did.
    if (!(loaded instanceof Promise)) return watchEventBatches<WatchEvent>(start(loaded), signal);
    const stream = loaded.then(start);
    // Thrown to whoever iterates the watch; not an unhandled rejection if nobody does.
    stream.catch(() => {});
    return watchMessagesOnceLoaded(stream, signal);
  };

  return {
    async create(info, object, opts = {}) {
      const response = await unary(info, `create${info.kind}`, {
        [fieldOf(info)]: object,
        dryRun: opts.dryRun ?? false,
      });
      return objectOf(info, response);
    },
    async get(info, namespace, name) {
      const response = await unary(
        info,
        `get${info.kind}`,
        { ...scope(info, namespace), name, resourceVersion: '' },
        true,
      );
      return objectOf(info, response);
    },
    async list(info, namespace, options = {}) {
      const response = await unary(
        info,
        `list${pluralOf(info)}`,
        { ...scope(info, namespace), options: listOptions(options) },
        true,
      );
      return {
        metadata: response.metadata as ListMeta | undefined,
        items: (response.items ?? []) as KindObject[],
      };
    },
    async updateStatus(info, object) {
      const response = await unary(info, `update${info.kind}Status`, {
        [fieldOf(info)]: object,
        dryRun: false,
      });
      return objectOf(info, response);
    },
    call: (info, name, request) => unary(info, name, request),
    async patch(info, namespace, name, type, patch, opts = {}) {
      const response = await unary(info, `patch${info.kind}`, {
        ...scope(info, namespace),
        name,
        type,
        patch: typeof patch === 'string' ? patch : JSON.stringify(patch),
        dryRun: opts.dryRun ?? false,
        status: opts.status ?? false,
      });
      return objectOf(info, response);
    },
    async update(info, object, opts = {}) {
      const response = await unary(info, `update${info.kind}`, {
        [fieldOf(info)]: object,
        dryRun: opts.dryRun ?? false,
      });
      return objectOf(info, response);
    },
    async delete(info, namespace, name, options = {}) {
      const response = await unary(info, `delete${info.kind}`, {
        ...scope(info, namespace),
        name,
        options: {
          propagationPolicy: '',
          dryRun: false,
          ...options,
        },
      });
      return objectOf(info, response);
    },
    watch: (info, namespace, options, signal) => flatten(messagesOf(info, namespace, options, signal)),
    watchMessages: messagesOf,
    // Generated client classes share one constructor name; their service name tells them apart.
    serviceClient: (ctor) =>
      pool.client(ctor as never, `service:${(ctor as { serviceName?: string }).serviceName ?? ctor.name}`),
    close: () => pool.close(),
  };
}

function listOptions(options: Partial<ListOptions>): ListOptions {
  return {
    labelSelector: '',
    fieldSelector: '',
    limit: '0',
    continue: '',
    resourceVersion: '',
    resourceVersionMatch: '',
    allowWatchBookmarks: false,
    sendInitialEvents: false,
    timeoutSeconds: '0',
    ...options,
  };
}

async function* flatten(messages: AsyncIterable<readonly WatchEvent[]>): AsyncIterable<WatchEvent> {
  for await (const events of messages) yield* events;
}

/** A watch whose stream starts once its kind's code is loaded. */
async function* watchMessagesOnceLoaded(
  stream: Promise<ClientReadableStream<unknown>>,
  signal: AbortSignal,
): AsyncIterable<readonly WatchEvent[]> {
  yield* watchEventBatches<WatchEvent>(await stream, signal);
}
