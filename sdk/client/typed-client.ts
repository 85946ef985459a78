/**
 * The dynamic client for one kind, typed: `clientset.kind<Pod>('Pod').get('default', 'web')`.
 * Every kind has the same calls (the services are rendered from one kind table).
 */
import type { ClientConfig } from '../client-config.js';
import type { DeleteOptions, ListOptions } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import { type KindInfo, kinds } from '../kinds.js';
import { connectionFor } from './connection.js';
import { type ApiClient, type ApiClientOptions, createApiClient, type WatchEvent } from './dynamic-client.js';

export interface TypedList<T> {
  readonly items: T[];
  readonly resourceVersion: string;
  readonly continue: string;
}

export interface TypedClient<T extends KindObject> {
  readonly info: KindInfo;
  get(namespace: string, name: string): Promise<T>;
  list(namespace: string, options?: Partial<ListOptions>): Promise<TypedList<T>>;
  create(obj: T, opts?: { dryRun?: boolean }): Promise<T>;
  update(obj: T, opts?: { dryRun?: boolean }): Promise<T>;
  updateStatus(obj: T): Promise<T>;
  delete(namespace: string, name: string, options?: Partial<DeleteOptions>): Promise<T>;
  watch(
    namespace: string,
    options: Partial<ListOptions>,
    signal: AbortSignal,
  ): AsyncIterable<WatchEvent & { object: T | undefined }>;
}

export function typedClient<T extends KindObject>(
  client: ApiClient,
  kind: string | KindInfo,
): TypedClient<T> {
  const info = typeof kind === 'string' ? kinds.find((k) => k.kind === kind) : kind;
  if (!info) throw new Error(`unknown kind ${String(kind)}`);
  return {
    info,
    get: async (ns, name) => (await client.get(info, ns, name)) as T,
    async list(ns, options) {
      const page = await client.list(info, ns, options);
      return {
        items: page.items as T[],
        resourceVersion: page.metadata?.resourceVersion ?? '',
        continue: page.metadata?.continue ?? '',
      };
    },
    create: async (obj, opts) => (await client.create(info, obj, opts)) as T,
    update: async (obj, opts) => (await client.update(info, obj, opts)) as T,
    updateStatus: async (obj) => (await client.updateStatus(info, obj)) as T,
    delete: async (ns, name, options) => (await client.delete(info, ns, name, options)) as T,
    watch: (ns, options, signal) =>
      client.watch(info, ns, options, signal) as AsyncIterable<WatchEvent & { object: T | undefined }>,
  };
}

/** Typed clients of every kind over one dynamic client (one channel per endpoint). */
export interface Clientset {
  readonly api: ApiClient;
  kind<T extends KindObject>(kind: string): TypedClient<T>;
  close(): void;
}

/** The clients of a component, from its client config. */
export function createClientset(
  config: ClientConfig,
  opts: { component: string; token?: () => string } & ApiClientOptions,
): Clientset {
  const { component, token } = opts;
  const api = createApiClient(connectionFor(config, { component, ...(token ? { token } : {}) }), opts);
  const typed = new Map<string, TypedClient<KindObject>>();
  return {
    api,
    kind<T extends KindObject>(kind: string) {
      let c = typed.get(kind);
      if (!c) {
        c = typedClient<KindObject>(api, kind);
        typed.set(kind, c);
      }
      return c as unknown as TypedClient<T>;
    },
    close: () => api.close(),
  };
}
