/**
 * Assembles the apiserver: one registry per kind (store access, watch cache, strategy,
 * admission), one gRPC service per kind behind the request gate, the system
 * namespaces, and the gRPC server itself.
 */

import { setMaxListeners } from 'node:events';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { ApiError, Code } from '../sdk/errors.js';
import { AccessReviewServiceService } from '../sdk/gen/wheelhouse/authorization/v1/access_review_service.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { SharedInformer } from '../sdk/informers/shared-informer.js';
import { type KindObject, typesOf } from '../sdk/kind-registry.js';
import { kinds, serviceNameOf } from '../sdk/kinds.js';
import type { Logger } from '../sdk/logger.js';
import {
  type ConnectionLimits,
  createGrpcServer,
  type GrpcServer,
  type ServerTlsOptions,
} from '../sdk/server/index.js';
import type { Backend, KeyValue } from '../store/types.js';
import { AdmissionChain } from './admission/chain.js';
import type { AdmissionDeps, ClusterReader } from './admission/deps.js';
import { admissionPlugins } from './admission/plugins/index.js';
import { systemNamespaces } from './admission/plugins/namespace-lifecycle.js';
import type { AdmissionPlugin } from './admission/types.js';
import type { AuditLog } from './audit/index.js';
import { alwaysAllow } from './auth/always-allow.js';
import type { createAuthenticator } from './auth/authenticate.js';
import { type AccessAuthorizer, createAuthorizer, fixedAuthorizer } from './auth/authorization-modes.js';
import { impersonatedUser, metadataHeaders } from './auth/impersonation.js';
import { ensureBootstrapPolicy } from './auth/rbac/bootstrap-policy.js';
import { rbacEscalationCheck } from './auth/rbac/escalation-check.js';
import { createRuleResolver } from './auth/rbac/rule-resolver.js';
import type { ServiceAccountTokens } from './auth/service-account/index.js';
import type { Authorizer, UserInfo } from './auth/types.js';
import { ensureSystemPriorityClasses } from './bootstrap/system-priority-classes.js';
import { createStrategies, createWriteHooks } from './kinds/index.js';
import type { Admit } from './registry/admit.js';
import { systemContext } from './registry/context.js';
import { GenericRegistry } from './registry/generic-registry.js';
import { createRestServer, type RestServer } from './rest/rest-server.js';
import { createRestRouter } from './rest/router.js';
import { createRestServices } from './rest/services.js';
import { accessReviewService, accessReviewServiceName } from './services/access-review.js';
import { kindService, kindServiceDefinition } from './services/kind-service.js';
import { createNodeStats } from './services/node-stats.js';
import { createPodExec } from './services/pod-exec.js';
import { createPodLogs, type KubeletClientTls } from './services/pod-logs.js';
import { RequestGate } from './services/request.js';
import { ObjectStore } from './storage/object-store.js';
import type { StoreAccess } from './storage/store-access.js';
import { cacheListerWatcher } from './watch-cache/cache-lister-watcher.js';
import { followCompaction } from './watch-cache/compaction-follower.js';
import {
  createDecoder,
  registerWatchCacheMetrics,
  UncachedWatchSource,
  WatchCache,
  type WatchCacheMaxBytes,
} from './watch-cache/index.js';

export interface ApiServerOptions {
  store: StoreAccess;
  logger: Logger;
  tls?: ServerTlsOptions;
  authenticate: ReturnType<typeof createAuthenticator>;
  /** A fixed authorizer; ignored when authorizationModes is given. */
  authorizer?: Authorizer;
  /** `--authorization-mode` (Node, RBAC, AlwaysAllow), built once the watch caches run. */
  authorizationModes?: readonly string[];
  /** Admission plugins by name, in the order given. */
  admissionPlugins: readonly string[];
  /**
   * Events kept per resource for resuming watches, by resource name; others get the
   * default (10,000; Events 0). 0 serves the resource without a watch cache: every
   * read goes to the store, every client watch opens a store watch of its own.
   */
  watchCacheSizes?: ReadonlyMap<string, number>;
  /** What each resource's history may weigh (WatchCacheOptions.maxBytes; default 64 MiB each). */
  watchCacheMaxBytes?: WatchCacheMaxBytes;
  /** What the events one watch leaves unread may weigh (WatchCacheOptions.watcherBufferBytes; default 16 MiB). */
  watchMaxPendingBytes?: number;
  /** How often the watch caches drop the history the store has compacted (default 30 s). */
  compactionPollMs?: number;
  /** See WatchCacheOptions.coalesceMs (default 20). */
  watchBatchWindowMs?: number;
  eventTtlSeconds: number;
  /** Services' cluster IPs (IPv4 CIDR); 10.96.0.0/12 when unset. */
  serviceClusterIPRange?: string;
  /** Services' node ports (`low-high`); 30000-32767 when unset. */
  serviceNodePortRange?: string;
  metrics?: Registry;
  /** Service account tokens: the issuer behind CreateServiceAccountToken, the authenticator to connect. */
  serviceAccountTokens?: ServiceAccountTokens;
  /** Where every call is recorded; closed (flushed) by stop(). */
  audit?: AuditLog;
  /** The apiserver's credentials towards kubelets (pod logs); without them GetPodLogs answers UNAVAILABLE. */
  kubeletClient?: KubeletClientTls;
  /** Setup deadline, idle time and keepalive of client connections (sdk/server/connection-limits.ts). */
  connections?: ConnectionLimits;
}

export { defaultAdmissionPlugins } from './admission/plugins/index.js';

export interface ApiServer {
  readonly grpc: GrpcServer;
  readonly registries: ReadonlyMap<string, GenericRegistry<KindObject>>;
  /** The authorizers of --authorization-mode, for what is served beside the API (/metrics). */
  readonly authorizer: AccessAuthorizer;
  listen(address: string): Promise<number>;
  /**
   * Serves the Kubernetes REST API on host:port (0: a free one) with the same serving
   * certificate, authentication, authorization and registries; resolves with the port.
   */
  listenRest(host: string, port: number): Promise<number>;
  stop(): Promise<void>;
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const lifetime = new AbortController();
  // Every watch cache follows it (a listener each, and one for each store watch and retry
  // wait of theirs), besides the background loops: more than Node's default of 10 that
  // suggests a leak, and still a bounded number, so that a real leak is still reported.
  setMaxListeners(4 * kinds.length + 16, lifetime.signal);
  const strategyOptions = {
    eventTtlSeconds: opts.eventTtlSeconds,
    ...(opts.serviceClusterIPRange ? { serviceClusterIPRange: opts.serviceClusterIPRange } : {}),
    ...(opts.serviceNodePortRange ? { serviceNodePortRange: opts.serviceNodePortRange } : {}),
  };
  const strategies = createStrategies(strategyOptions);
  const hooks = createWriteHooks({
    store: opts.store,
    options: strategyOptions,
    signal: lifetime.signal,
    logger: opts.logger,
  });
  const stores = new Map<string, ObjectStore<KindObject>>();
  const caches = new Map<string, WatchCache<KindObject>>();
  const uncached = new Map<string, UncachedWatchSource<KindObject>>();
  const sizes = watchCacheSizesOf(opts.watchCacheSizes);
  for (const info of kinds) {
    const store = new ObjectStore<KindObject>(info, opts.store);
    stores.set(info.kind, store);
    const capacity = sizes.get(info.resource) ?? DEFAULT_WATCH_CACHE_SIZE;
    const decode = (kv: KeyValue) => store.decode(kv);
    const pendingBytes =
      opts.watchMaxPendingBytes !== undefined ? { watcherBufferBytes: opts.watchMaxPendingBytes } : {};
    if (capacity === 0) {
      uncached.set(
        info.kind,
        new UncachedWatchSource<KindObject>({
          info,
          backend: opts.store as Backend,
          decode,
          ...pendingBytes,
          logger: opts.logger,
        }),
      );
      continue;
    }
    caches.set(
      info.kind,
      new WatchCache<KindObject>({
        info,
        backend: opts.store as Backend,
        // Managed fields kept as bytes: most of what a cached object weighs (lazy-managed-fields.ts).
        decode: createDecoder<KindObject>(info),
        capacity,
        ...(opts.watchCacheMaxBytes
          ? {
              maxBytes:
                opts.watchCacheMaxBytes.byResource.get(info.resource) ?? opts.watchCacheMaxBytes.defaultBytes,
            }
          : {}),
        ...pendingBytes,
        ...(opts.watchBatchWindowMs !== undefined ? { coalesceMs: opts.watchBatchWindowMs } : {}),
        logger: opts.logger,
      }),
    );
  }

  // The chain is filled once the registries exist: plugins may read through them.
  const plugins: AdmissionPlugin[] = [];
  const chain = new AdmissionChain(plugins);
  const admission: Admit = { mutate: (a) => chain.admit(a), validate: (a) => chain.validate(a) };

  const registries = new Map<string, GenericRegistry<KindObject>>();
  for (const info of kinds) {
    const strategy = strategies.get(info.kind);
    if (!strategy) throw new Error(`no strategy for kind ${info.kind}`);
    registries.set(
      info.kind,
      new GenericRegistry(
        strategy,
        stores.get(info.kind)!,
        caches.get(info.kind),
        admission,
        uncached.get(info.kind),
        hooks.get(info.kind),
      ),
    );
  }

  const reader = clusterReader(stores, caches);
  const deps: AdmissionDeps = { reader, registries, logger: opts.logger };
  for (const name of opts.admissionPlugins) {
    const make = admissionPlugins[name];
    if (!make) {
      throw new Error(
        `unknown admission plugin "${name}"; available: ${Object.keys(admissionPlugins).join(', ')}`,
      );
    }
    plugins.push(make(deps));
  }

  await Promise.all([...caches.values()].map((c) => c.start(lifetime.signal)));
  followCompaction(opts.store as Backend, [...caches.values()], {
    intervalMs: opts.compactionPollMs ?? 30_000,
    signal: lifetime.signal,
    logger: opts.logger,
  });
  if (opts.metrics) registerWatchCacheMetrics(opts.metrics, caches.values());

  // Tokens are bound to their ServiceAccount's uid: read through the watch cache on every use.
  opts.serviceAccountTokens?.authenticator?.connect(
    async (namespace, name) => (await reader.get('ServiceAccount', namespace, name))?.metadata?.uid,
  );

  await ensureSystemNamespaces(registries.get('Namespace')!, opts.logger);
  await ensureSystemPriorityClasses(registries.get('PriorityClass')!, opts.logger);

  // Authorization: the bootstrap roles first, so that the authorizers start with them.
  await ensureBootstrapPolicy(registries, opts.logger);
  const authorizer: AccessAuthorizer = opts.authorizationModes
    ? await createAuthorizer(opts.authorizationModes, {
        registries,
        logger: opts.logger,
        signal: lifetime.signal,
      })
    : fixedAuthorizer(opts.authorizer ?? alwaysAllow);
  // Not an admission plugin one may turn off: RBAC objects never grant more than their author holds.
  const ruleResolver = createRuleResolver(reader);
  plugins.unshift(rbacEscalationCheck({ authorizer, resolver: ruleResolver }));

  const grpc = createGrpcServer<UserInfo>({
    component: 'apiserver',
    logger: opts.logger,
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.metrics ? { registry: opts.metrics } : {}),
    authenticate: async (peer, _method, metadata) => {
      const authorization = metadata.get('authorization')[0];
      const caller = await opts.authenticate(
        peer.certificate,
        typeof authorization === 'string' ? authorization : undefined,
        peer.rejectedCertificate,
      );
      return impersonatedUser(caller, metadataHeaders(metadata), authorizer);
    },
    ...(opts.audit ? { onCallEnd: opts.audit.onCallEnd } : {}),
    ...(opts.connections ? { connections: opts.connections } : {}),
  });
  const gate = new RequestGate(
    authorizer,
    opts.audit !== undefined,
    (info) => strategies.get(info.kind)?.nameRule,
  );
  // Pod logs: streamed from the kubelet of the Pod's node, found through the Node objects.
  const podLogs = opts.kubeletClient
    ? createPodLogs({
        tls: opts.kubeletClient,
        getNode: (name) => reader.get<Node>('Node', '', name),
        nodes: nodeInformer(caches.get('Node') as unknown as WatchCache<Node>, opts.logger, lifetime.signal),
        logger: opts.logger,
      })
    : undefined;
  const audited = (impl: UntypedServiceImplementation) => opts.audit?.captureRequests(impl) ?? impl;
  grpc.addService(
    accessReviewServiceName,
    AccessReviewServiceService,
    audited(accessReviewService(authorizer, gate, ruleResolver)),
  );
  const podServices = podLogs
    ? { podLogs: podLogs.source, podExec: createPodExec(podLogs), nodeStats: createNodeStats(podLogs) }
    : undefined;
  for (const info of kinds) {
    grpc.addService(
      serviceNameOf(info),
      kindServiceDefinition(info),
      audited(
        kindService(registries.get(info.kind)!, gate, {
          ...(opts.serviceAccountTokens?.issuer ? { tokenIssuer: opts.serviceAccountTokens.issuer } : {}),
          ...podServices,
          registryOf: (kind) => registries.get(kind),
          ...(opts.metrics ? { metrics: opts.metrics } : {}),
        }),
      ),
    );
  }

  let rest: RestServer | undefined;
  let restAddress = '';
  const restServices = createRestServices({
    registries,
    gate,
    authorizer,
    ruleResolver,
    ...(opts.serviceAccountTokens?.issuer ? { tokenIssuer: opts.serviceAccountTokens.issuer } : {}),
    ...podServices,
  });

  return {
    grpc,
    registries,
    authorizer,
    listen: (address) => grpc.listen(address),
    async listenRest(host, port) {
      if (rest) throw new Error('the REST API is already being served');
      rest = createRestServer({
        ...(opts.tls
          ? { tls: { cert: opts.tls.cert, key: opts.tls.key, ...(opts.tls.ca ? { ca: opts.tls.ca } : {}) } }
          : {}),
        authenticate: opts.authenticate,
        impersonate: (caller, headers) => impersonatedUser(caller, headers, authorizer),
        ...(opts.audit ? { audit: opts.audit } : {}),
        logger: opts.logger,
        router: createRestRouter({
          services: restServices,
          logger: opts.logger,
          serverAddress: () => restAddress,
        }),
      });
      const bound = await rest.listen(host, port);
      restAddress = `${host}:${bound}`;
      return bound;
    },
    async stop() {
      await rest?.close();
      await grpc.shutdown(2_000);
      lifetime.abort();
      podLogs?.close();
      await opts.audit?.close();
    },
  };
}

/** Events kept per resource for resuming watches, unless --watch-cache-sizes says otherwise. */
export const DEFAULT_WATCH_CACHE_SIZE = 10_000;

/**
 * Resources served without a watch cache unless --watch-cache-sizes gives them one. As
 * in Kubernetes, Events: written far more often than they are read or watched, and
 * short-lived, a cache of them would hold every Event for its whole TTL.
 */
export const UNCACHED_BY_DEFAULT: readonly string[] = ['events'];

/**
 * Resources the apiserver follows itself (authorizers, pod logs, quota), through their
 * watch caches: these cannot be served without one.
 */
const CACHE_REQUIRED: readonly string[] = [
  'pods',
  'nodes',
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
  'resourcequotas',
];

/** The sizes asked for over the defaults; refuses to turn off a cache the apiserver needs. */
function watchCacheSizesOf(asked: ReadonlyMap<string, number> | undefined): Map<string, number> {
  const sizes = new Map<string, number>(UNCACHED_BY_DEFAULT.map((resource) => [resource, 0]));
  for (const [resource, size] of asked ?? []) {
    if (size === 0 && CACHE_REQUIRED.includes(resource)) {
      throw new Error(
        `--watch-cache-sizes ${resource}#0: the apiserver follows ${resource} through their watch cache and cannot serve them without one; give ${resource} a size above 0 or leave it out`,
      );
    }
    sizes.set(resource, size);
  }
  return sizes;
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

/** Reads for admission plugins: the watch cache first, the store when the cache has not seen it yet. */
function clusterReader(
  stores: ReadonlyMap<string, ObjectStore<KindObject>>,
  caches: ReadonlyMap<string, WatchCache<KindObject>>,
): ClusterReader {
  const storeOf = (kind: string) => {
    const store = stores.get(kind);
    if (!store) throw new Error(`unknown kind ${kind}`);
    return store;
  };
  return {
    async get<T extends KindObject>(kind: string, namespace: string, name: string) {
      const store = storeOf(kind);
      const cached = caches.get(kind)?.get(store.key(namespace, name));
      if (cached) return cached as T;
      try {
        return (await store.get(namespace, name)).object as T;
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
        throw err;
      }
    },
    async list<T extends KindObject>(kind: string, namespace: string) {
      const store = storeOf(kind);
      const cache = caches.get(kind);
      if (cache) return cache.list(store.prefix(namespace)).items as T[];
      return (await store.list(namespace, {})).items as T[];
    },
  };
}

/** An informer of Nodes over the apiserver's own watch cache, running for its lifetime. */
function nodeInformer(cache: WatchCache<Node>, logger: Logger, signal: AbortSignal): SharedInformer<Node> {
  const informer = new SharedInformer<Node>(cacheListerWatcher(cache), { name: 'nodes', logger });
  void informer.run(signal).catch((err: unknown) => logger.error({ err }, 'the node informer stopped'));
  return informer;
}
