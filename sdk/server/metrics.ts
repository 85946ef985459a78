/**
 * Prometheus metrics: the standard gRPC server metrics every component shares (the
 * endpoint that serves a registry is metrics-endpoint.ts).
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface GrpcMetrics {
  started: Counter<'grpc_service' | 'grpc_method' | 'grpc_type'>;
  handled: Counter<'grpc_service' | 'grpc_method' | 'grpc_type' | 'grpc_code'>;
  latency: Histogram<'grpc_service' | 'grpc_method' | 'grpc_type'>;
  /** Connections destroyed for not finishing their TLS handshake and HTTP/2 preface in time. */
  setupTimeouts: Counter;
}

const perRegistry = new WeakMap<Registry, GrpcMetrics>();

/** A process-wide registry with Node's default metrics; components add their own to it. */
export function createRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The gRPC server metrics of a registry, created on first use (names as in go-grpc-prometheus). */
export function grpcMetrics(registry: Registry): GrpcMetrics {
  let m = perRegistry.get(registry);
  if (m === undefined) {
    m = {
      started: new Counter({
        name: 'grpc_server_started_total',
        help: 'RPCs started on the server.',
        labelNames: ['grpc_service', 'grpc_method', 'grpc_type'],
        registers: [registry],
      }),
      handled: new Counter({
        name: 'grpc_server_handled_total',
        help: 'RPCs completed on the server, by status code.',
        labelNames: ['grpc_service', 'grpc_method', 'grpc_type', 'grpc_code'],
        registers: [registry],
      }),
      latency: new Histogram({
        name: 'grpc_server_handling_seconds',
        help: 'Time from the start of an RPC to its status.',
        labelNames: ['grpc_service', 'grpc_method', 'grpc_type'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
      setupTimeouts: new Counter({
        name: 'grpc_server_connection_setup_timeouts_total',
        help: 'Connections closed for not finishing the TLS handshake and the HTTP/2 preface in time.',
        registers: [registry],
      }),
    };
    perRegistry.set(registry, m);
  }
  return m;
}
