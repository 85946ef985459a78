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
  type ChannelOptions,
  type Client,
  type ClientReadableStream,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import type { LoadedClientConfig } from '../client-config.js';
import { channelCredentials, channelOptions } from '../credentials.js';
import { fromServiceError } from '../errors.js';
import type { DeleteOptions, ListMeta, ListOptions } from '../gen/wheelhouse/meta/v1/meta.js';
import { WatchEventType } from '../gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../kind-registry.js';
import { fieldOf, type KindInfo, pluralOf } from '../kinds.js';

export { WatchEventType };

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
  delete(
    info: KindInfo,
    namespace: string,
    name: string,
    options?: Partial<DeleteOptions>,
  ): Promise<KindObject>;
  /** Streams events until the signal aborts (the stream then ends quietly) or the server ends it. */
  watch(
    info: KindInfo,
    namespace: string,
    options: Partial<ListOptions>,
    signal: AbortSignal,
  ): AsyncIterable<WatchEvent>;
  close(): void;
}

/** Unary calls give up after this long; watches have no deadline. */
const CALL_TIMEOUT_MS = 30_000;

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

/** The connection settings for a client: where and how to connect. */
export interface Connection {
  readonly address: string;
  readonly credentials: ChannelCredentials;
  readonly options: ChannelOptions;
}

export function connectionFor(config: LoadedClientConfig): Connection {
  return { address: config.server, credentials: channelCredentials(config), options: channelOptions(config) };
}

export function createApiClient(connection: Connection): ApiClient {
  const clients = new Map<string, Client>();
  const clientOf = (info: KindInfo): Client => {
    let client = clients.get(info.kind);
    if (!client) {
      client = new (typesOf(info).client)(connection.address, connection.credentials, connection.options);
      clients.set(info.kind, client);
    }
    return client;
  };
  const method = (info: KindInfo, name: string): ((...args: never[]) => unknown) => {
    const client = clientOf(info) as unknown as Record<string, unknown>;
    const fn = client[name];
    if (typeof fn !== 'function') throw new Error(`the ${info.kind} client has no method ${name}`);
    return (fn as (...args: never[]) => unknown).bind(client);
  };
  const unary = (info: KindInfo, name: string, request: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const call = method(info, name) as unknown as UnaryMethod;
      call(request, new Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, response) => {
        if (err) reject(fromServiceError(err));
        else resolve((response ?? {}) as Record<string, unknown>);
      });
    });
  // Cluster-scoped kinds have no namespace field; the encoder would ignore it, but
  // leaving it out keeps requests honest.
  const scope = (info: KindInfo, namespace: string) => (info.namespaced ? { namespace } : {});
  const objectOf = (info: KindInfo, response: Record<string, unknown>): KindObject => {
    const object = response[fieldOf(info)];
    if (object === undefined) throw new Error(`the server answered without a ${info.kind}`);
    return object as KindObject;
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
      const response = await unary(info, `get${info.kind}`, {
        ...scope(info, namespace),
        name,
        resourceVersion: '',
      });
      return objectOf(info, response);
    },
    async list(info, namespace, options = {}) {
      const response = await unary(info, `list${pluralOf(info)}`, {
        ...scope(info, namespace),
        options: listOptions(options),
      });
      return {
        metadata: response.metadata as ListMeta | undefined,
        items: (response.items ?? []) as KindObject[],
      };
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
    watch(info, namespace, options, signal) {
      const call = method(info, `watch${pluralOf(info)}`) as unknown as StreamMethod;
      return watchEvents(
        call({ ...scope(info, namespace), options: listOptions(options) }, new Metadata(), {}),
        signal,
      );
    },
    close() {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
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

async function* watchEvents(
  stream: ClientReadableStream<unknown>,
  signal: AbortSignal,
): AsyncIterable<WatchEvent> {
  const cancel = () => stream.cancel();
  if (signal.aborted) cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const response of stream) {
      const { events } = response as { events: { type: WatchEventType; object?: KindObject }[] };
      for (const { type, object } of events) yield { type, object };
    }
  } catch (err) {
    // Cancelling the call is how a watch is stopped: not an error.
    if (signal.aborted) return;
    throw fromServiceError(err);
  } finally {
    signal.removeEventListener('abort', cancel);
    stream.cancel();
  }
}
