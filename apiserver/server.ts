/**
 * Assembles the apiserver: one registry per kind (store access, watch cache, strategy,
 * admission), one gRPC service per kind behind the request gate, the system
 * namespaces, and the gRPC server itself.
 */
import type { Registry } from 'prom-client';
import { ApiError, Code } from '../sdk/errors.js';
import type { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import { type KindObject, typesOf } from '../sdk/kind-registry.js';
import { kinds, serviceNameOf } from '../sdk/kinds.js';
import type { Logger } from '../sdk/logger.js';
import { createGrpcServer, type GrpcServer, type ServerTlsOptions } from '../sdk/server/index.js';
import type { Backend } from '../store/types.js';
import { AdmissionChain } from './admission/chain.js';
import {
  type NamespaceLookup,
  namespaceLifecycle,
  systemNamespaces,
} from './admission/plugins/namespace-lifecycle.js';
import type { AdmissionPlugin } from './admission/types.js';
import type { createAuthenticator } from './auth/authenticate.js';
import type { Authorizer, UserInfo } from './auth/types.js';
import { createStrategies } from './kinds/index.js';
import { GenericRegistry } from './registry/generic-registry.js';
import type { RequestContext } from './registry/strategy.js';
import { kindService } from './services/kind-service.js';
import { RequestGate } from './services/request.js';
import { ObjectStore } from './storage/object-store.js';
import type { StoreAccess } from './storage/store-access.js';
import { WatchCache } from './watch-cache/index.js';

export interface ApiServerOptions {
  store: StoreAccess;
  logger: Logger;
  tls?: ServerTlsOptions;
  authenticate: ReturnType<typeof createAuthenticator>;
  authorizer: Authorizer;
  /** Admission plugins by name, in the order given. */
  admissionPlugins: readonly string[];
  /** Events kept per resource for resuming watches, by resource name; others get the default. */
  watchCacheSizes?: ReadonlyMap<string, number>;
  eventTtlSeconds: number;
  metrics?: Registry;
}

export const defaultAdmissionPlugins = ['NamespaceLifecycle'];

export interface ApiServer {
  readonly grpc: GrpcServer;
  readonly registries: ReadonlyMap<string, GenericRegistry<KindObject>>;
  listen(address: string): Promise<number>;
  stop(): Promise<void>;
}

/** The context of the apiserver's own writes (system namespaces). */
function systemContext(): RequestContext {
  return { user: 'system:apiserver', groups: ['system:masters'], dryRun: false, now: new Date() };
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const lifetime = new AbortController();
  const strategies = createStrategies({ eventTtlSeconds: opts.eventTtlSeconds });
  const stores = new Map<string, ObjectStore<KindObject>>();
  const caches = new Map<string, WatchCache<KindObject>>();
  for (const info of kinds) {
    const store = new ObjectStore<KindObject>(info, opts.store);
    stores.set(info.kind, store);
    caches.set(
      info.kind,
      new WatchCache<KindObject>({
        info,
        backend: opts.store as Backend,
        decode: (kv) => store.decode(kv),
        capacity: opts.watchCacheSizes?.get(info.resource) ?? 10_000,
        logger: opts.logger,
      }),
    );
  }

  const namespaces = stores.get('Namespace') as ObjectStore<Namespace> | undefined;
  const namespaceCache = caches.get('Namespace') as WatchCache<Namespace> | undefined;
  const lookupNamespace: NamespaceLookup = async (name) => {
    const cached = namespaceCache?.get(namespaces?.key('', name) ?? '');
    if (cached) return cached;
    try {
      return (await namespaces?.get('', name))?.object;
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
      throw err;
    }
  };
  const available: Record<string, () => AdmissionPlugin> = {
    NamespaceLifecycle: () => namespaceLifecycle(lookupNamespace),
  };
  const plugins = opts.admissionPlugins.map((name) => {
    const make = available[name];
    if (!make)
      throw new Error(`unknown admission plugin "${name}"; available: ${Object.keys(available).join(', ')}`);
    return make();
  });
  const admission = new AdmissionChain(plugins);

  const registries = new Map<string, GenericRegistry<KindObject>>();
  for (const info of kinds) {
    const strategy = strategies.get(info.kind);
    if (!strategy) throw new Error(`no strategy for kind ${info.kind}`);
    registries.set(
      info.kind,
      new GenericRegistry(strategy, stores.get(info.kind)!, caches.get(info.kind), admission),
    );
  }

  await Promise.all([...caches.values()].map((c) => c.start(lifetime.signal)));

  await ensureSystemNamespaces(registries.get('Namespace')!, opts.logger);

  const grpc = createGrpcServer<UserInfo>({
    component: 'apiserver',
    logger: opts.logger,
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.metrics ? { registry: opts.metrics } : {}),
    authenticate: (peer, _method, metadata) => opts.authenticate(peer.certificate, metadata),
  });
  const gate = new RequestGate(opts.authorizer);
  for (const info of kinds) {
    grpc.addService(
      serviceNameOf(info),
      typesOf(info).service,
      kindService(registries.get(info.kind)!, gate),
    );
  }

  return {
    grpc,
    registries,
    listen: (address) => grpc.listen(address),
    async stop() {
      await grpc.shutdown(2_000);
      lifetime.abort();
    },
  };
}

async function ensureSystemNamespaces(registry: GenericRegistry<KindObject>, logger: Logger): Promise<void> {
  for (const name of systemNamespaces) {
    try {
      const ns = typesOf(registry.info).message.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name } as KindObject['metadata'],
      });
      await registry.create(ns, systemContext());
      logger.info({ namespace: name }, 'created system namespace');
    } catch (err) {
      if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
    }
  }
}
