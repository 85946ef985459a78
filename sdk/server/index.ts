export { type ConnectionLimits, defaultConnectionLimits } from './connection-limits.js';
export { apiDescriptors, type DescriptorIndex } from './descriptors.js';
export { type FramedWriter, framedWriter } from './framed-writer.js';
export {
  type Authenticator,
  type CallEnd,
  callerOf,
  createGrpcServer,
  GrpcServer,
  type GrpcServerOptions,
  type ServerTlsOptions,
} from './grpc-server.js';
export {
  asyncDuplex,
  asyncServerStream,
  asyncUnary,
  type DuplexFn,
  firstStartMessage,
  type ServerStreamFn,
  type UnaryFn,
} from './handlers.js';
export { createRegistry, grpcMetrics } from './metrics.js';
export {
  type CertificateMetricsAccess,
  certificateMetricsAuthorizer,
  type HealthChecks,
  isLoopback,
  METRICS_READER_GROUPS,
  type MetricsAuthorizer,
  type MetricsDecision,
  type MetricsEndpoint,
  type MetricsRequest,
  type MetricsServing,
  serveMetrics,
} from './metrics-endpoint.js';
export { type PeerIdentity, peerIdentity } from './peer.js';
export { onShutdownSignal } from './signals.js';
