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
export { asyncServerStream, asyncUnary, type ServerStreamFn, type UnaryFn } from './handlers.js';
export { createRegistry, grpcMetrics, type MetricsEndpoint, serveMetrics } from './metrics.js';
export { type PeerIdentity, peerIdentity } from './peer.js';
export { onShutdownSignal } from './signals.js';
