import { StoreServiceService } from '../../sdk/gen/wheelhouse/store/v1/store.js';
import type { Logger } from '../../sdk/logger.js';
import { ClientCertificateVerifier } from '../../sdk/pki/index.js';
import {
  certificateMetricsAuthorizer,
  createGrpcServer,
  createRegistry,
  METRICS_READER_GROUPS,
  type MetricsEndpoint,
  type MetricsServing,
  type ServerTlsOptions,
  serveMetrics,
} from '../../sdk/server/index.js';
import { type CompactorOptions, startCompactor } from '../compactor.js';
import '../drivers/index.js';
import { openBackend } from '../registry.js';
import type { Backend } from '../types.js';
import { storeAuthenticator } from './authorize.js';
import { createStoreMetrics } from './metrics.js';
import { createStoreService } from './store-service.js';
import { watchResponseSerialize } from './watch.js';

export interface StoreServerOptions {
  /** `level:///path`, `memory://`, … */
  readonly backendUrl: string;
  /** `host:port`; port 0 picks a free one. */
  readonly listen: string;
  /** Omitted only for an explicitly insecure store: then anyone on the network may call it. */
  readonly tls?: { cert: Buffer; key: Buffer; ca: Buffer };
  readonly allowedCommonNames: readonly string[];
  /**
   * `host:port` of the Prometheus endpoint; none when omitted. HTTPS with the serving
   * certificate; readers present a client certificate of `metricsClientCa` whose CN is in
   * `allowedCommonNames` or whose O is system:masters or system:monitoring.
   */
  readonly metricsListen?: string;
  /** CAs whose client certificates may read the metrics (PEM bundle); the store CA by default. */
  readonly metricsClientCa?: Buffer;
  /** Metrics in plaintext without authentication; only on a loopback address. Implied without TLS. */
  readonly metricsInsecureLoopback?: boolean;
  readonly compaction?: CompactorOptions;
  readonly watchBufferLimit?: number;
  readonly logger: Logger;
}

export interface RunningStore {
  readonly port: number;
  readonly metricsPort?: number;
  readonly backend: Backend;
  stop(): Promise<void>;
}

/** Opens the backend and serves StoreService (with health, reflection and metrics) on it. */
export async function startStoreServer(options: StoreServerOptions): Promise<RunningStore> {
  const { logger } = options;
  const registry = createRegistry('store');
  const metrics = createStoreMetrics(registry);
  const backend = await openBackend(options.backendUrl, {
    observer: metrics.observer,
    watchBufferLimit: options.watchBufferLimit,
  });
  metrics.attach(backend);
  const tls: ServerTlsOptions | undefined = options.tls && {
    ...options.tls,
    // Certificates are requested, not required, so that a client without one is refused with
    // UNAUTHENTICATED; the authenticator verifies the chain and allows only the apiserver's name.
    clientCerts: 'request',
  };
  const server = createGrpcServer({
    component: 'store',
    logger,
    tls,
    registry,
    authenticate: tls
      ? storeAuthenticator(
          options.allowedCommonNames,
          new ClientCertificateVerifier(tls.ca?.toString('utf8') ?? ''),
        )
      : undefined,
  });
  server.addService(
    'wheelhouse.store.v1.StoreService',
    // Watch responses are encoded by serveWatch (watch-encoding.ts) and pass the serializer as bytes.
    {
      ...StoreServiceService,
      watch: { ...StoreServiceService.watch, responseSerialize: watchResponseSerialize },
    },
    createStoreService(backend, logger, metrics),
  );
  let port: number;
  let metricsEndpoint: MetricsEndpoint | undefined;
  try {
    port = await server.listen(options.listen);
    if (options.metricsListen) {
      const [host, metricsPort] = splitHostPort(options.metricsListen);
      metricsEndpoint = await serveMetrics(registry, host, metricsPort, metricsServing(options));
      logger.info({ port: metricsEndpoint.port, scheme: metricsEndpoint.scheme }, 'metrics at /metrics');
    }
  } catch (err) {
    await server.shutdown(0);
    await backend.close();
    throw err;
  }
  const stopCompactor = options.compaction ? startCompactor(backend, options.compaction, logger) : () => {};
  const status = await backend.status();
  logger.info(
    { backend: options.backendUrl, revision: status.revision, keys: status.keys, tls: tls !== undefined },
    'store ready',
  );
  return {
    port,
    metricsPort: metricsEndpoint?.port,
    backend,
    async stop() {
      stopCompactor();
      await server.shutdown(1_000);
      await metricsEndpoint?.close();
      await backend.close();
    },
  };
}

/** HTTPS for the certificates the store trusts, or plaintext on loopback when asked (or without TLS). */
function metricsServing(options: StoreServerOptions): MetricsServing {
  const { tls } = options;
  if (options.metricsInsecureLoopback || tls === undefined) return { insecureLoopback: true };
  const clientCa = options.metricsClientCa ?? tls.ca;
  return {
    tls: { cert: tls.cert, key: tls.key, clientCa },
    authorize: certificateMetricsAuthorizer({
      verifier: new ClientCertificateVerifier(clientCa.toString('utf8')),
      users: options.allowedCommonNames,
      groups: METRICS_READER_GROUPS,
    }),
  };
}

export function splitHostPort(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port)) throw new Error(`${address} is not host:port`);
  return [address.slice(0, colon).replace(/^\[|\]$/g, ''), port];
}
