/**
 * The one gRPC server bootstrap every component uses. It gives each server the
 * same things: TLS, a message size limit, a logging and metrics interceptor that
 * sees the final status of every call, optional per-call authentication, standard
 * health checking, and reflection served from the buf-built descriptor set.
 */
import {
  experimental,
  type Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServiceDefinition,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Registry } from 'prom-client';
import { toServiceError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  type ConnectionLimits,
  connectionChannelOptions,
  defaultConnectionLimits,
  limitConnectionSetup,
} from './connection-limits.js';
import { apiDescriptors, type DescriptorIndex } from './descriptors.js';
import { setInternalErrorSink } from './handlers.js';
import { grpcMetrics } from './metrics.js';
import { type PeerIdentity, peerIdentity } from './peer.js';
import { reflectionServiceNames, reflectionServices } from './reflection.js';

export interface ServerTlsOptions {
  cert: Buffer;
  key: Buffer;
  /** CA bundle that client certificates must chain to. */
  ca?: Buffer;
  /**
   * `require`: a valid client certificate is needed to connect (the store, kubelets).
   * `request`: clients may present one; the server checks it per call (the apiserver,
   * which also takes bearer tokens). `none`: client certificates are not asked for.
   */
  clientCerts: 'require' | 'request' | 'none';
}

/**
 * Runs before the handler of every call. Return (or resolve to) anything to let
 * the call through: the value is then available to handlers through
 * `callerOf(call.metadata)`. Throw an ApiError to refuse the call.
 */
export type Authenticator<P> = (peer: PeerIdentity, method: string, metadata: Metadata) => P | Promise<P>;

export interface GrpcServerOptions<P = unknown> {
  /** Names the server in logs and metrics (`store`, `apiserver`, ...). */
  component: string;
  logger: Logger;
  /** Omit only behind an explicit "insecure" flag: the server then speaks plaintext. */
  tls?: ServerTlsOptions;
  authenticate?: Authenticator<P>;
  /** Largest message accepted or sent; 16 MiB by default. */
  maxMessageBytes?: number;
  /** Where the gRPC metrics go; no metrics when omitted. */
  registry?: Registry;
  /** Descriptors served by reflection; the API's by default. */
  descriptors?: DescriptorIndex;
  /** Called once per call with its final status (for audit logs). */
  onCallEnd?: (end: CallEnd) => void;
  /** Setup, idle and keepalive limits on connections (see connection-limits.ts for the defaults). */
  connections?: ConnectionLimits;
}

/** The end of one call, as the server saw it. */
export interface CallEnd {
  /** `/package.Service/Method`. */
  method: string;
  code: status;
  details: string;
  seconds: number;
  /** The call's request metadata, once received (the key for per-call facts such as the caller). */
  metadata?: Metadata;
  peer: string;
}

const callers = new WeakMap<Metadata, unknown>();

/** The value the server's authenticator returned for this call's metadata. */
export function callerOf<P>(metadata: Metadata): P | undefined {
  return callers.get(metadata) as P | undefined;
}

export class GrpcServer {
  readonly server: Server;
  readonly health = new HealthImplementation({ '': 'SERVING' });
  private readonly services: string[] = [];
  private port: number | undefined;

  constructor(private readonly opts: GrpcServerOptions) {
    const max = opts.maxMessageBytes ?? 16 * 1024 * 1024;
    setInternalErrorSink((err) => opts.logger.error({ err }, 'internal error in handler'));
    this.server = new Server({
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
      ...connectionChannelOptions(opts.connections),
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
      // No channelz service is served: its per-call and per-message bookkeeping is pure cost.
      'grpc.enable_channelz': 0,
      interceptors: [this.interceptor()],
    });
    const metrics = opts.registry ? grpcMetrics(opts.registry) : undefined;
    limitConnectionSetup(
      this.server,
      opts.connections?.setupTimeoutMs ?? defaultConnectionLimits.setupTimeoutMs,
      () => metrics?.setupTimeouts.inc(),
    );
    this.health.addToServer(this.server);
    this.services.push('grpc.health.v1.Health');
    const index = opts.descriptors ?? apiDescriptors();
    for (const { definition, handler } of reflectionServices(index, () => [...this.services])) {
      this.server.addService(definition, { serverReflectionInfo: handler });
    }
    this.services.push(...reflectionServiceNames);
  }

  /** Registers a service; `name` is its fully qualified name, for reflection and health. */
  addService(
    name: string,
    definition: ServiceDefinition,
    implementation: UntypedServiceImplementation,
  ): void {
    this.server.addService(definition, implementation);
    this.services.push(name);
    this.health.setStatus(name, 'SERVING');
  }

  /** Binds `host:port` (port 0 picks a free one) and resolves to the bound port. */
  async listen(address: string): Promise<number> {
    const creds = this.credentials();
    this.port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port)));
    });
    // Certificate-provider credentials reach the listener on the immediates queued while it was
    // bound; grpc-js drops connections that arrive before. Resolve once they have run.
    await new Promise((resolve) => setImmediate(resolve));
    this.opts.logger.info(
      { address, port: this.port, tls: this.opts.tls !== undefined },
      'gRPC server listening',
    );
    return this.port;
  }

  /** Stops accepting calls, lets running ones finish for up to `graceMs`, then cancels the rest. */
  async shutdown(graceMs = 5_000): Promise<void> {
    for (const name of this.services) this.health.setStatus(name, 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private credentials(): ServerCredentials {
    const tls = this.opts.tls;
    if (tls === undefined) return ServerCredentials.createInsecure();
    const pair = { cert_chain: tls.cert, private_key: tls.key };
    if (tls.clientCerts === 'request') {
      if (tls.ca === undefined) throw new Error('TLS client certificates requested but no client CA given');
      const ca = tls.ca;
      const identity = { certificate: tls.cert, privateKey: tls.key };
      // Listeners are called on the next tick: grpc-js subscribes to the provider before it
      // registers the watcher that applies the update, so a synchronous call would be lost.
      const provider: experimental.CertificateProvider = {
        addCaCertificateListener: (listener) => setImmediate(() => listener({ caCertificate: ca })),
        removeCaCertificateListener: () => undefined,
        addIdentityCertificateListener: (listener) => setImmediate(() => listener(identity)),
        removeIdentityCertificateListener: () => undefined,
      };
      return experimental.createCertificateProviderServerCredentials(provider, provider, false);
    }
    if (tls.clientCerts === 'require' && tls.ca === undefined) {
      throw new Error('TLS client certificates required but no client CA given');
    }
    return ServerCredentials.createSsl(tls.ca ?? null, [pair], tls.clientCerts === 'require');
  }

  /** Logs and counts every call at its end, and authenticates it at its start. */
  private interceptor(): ServerInterceptor {
    const { logger, registry, authenticate, onCallEnd } = this.opts;
    const metrics = registry ? grpcMetrics(registry) : undefined;
    /** Metric labels by method and by method and code: built once, not on every call. */
    const labelsByPath = new Map<string, MethodLabels>();
    const handledByPath = new Map<string, Map<status, HandledLabels>>();
    const labelsOf = (descriptor: MethodDescriptor): MethodLabels => {
      let labels = labelsByPath.get(descriptor.path);
      if (labels === undefined) {
        labels = methodLabels(descriptor);
        labelsByPath.set(descriptor.path, labels);
      }
      return labels;
    };
    const handledLabels = (path: string, labels: MethodLabels, code: status): HandledLabels => {
      let byCode = handledByPath.get(path);
      if (byCode === undefined) {
        byCode = new Map();
        handledByPath.set(path, byCode);
      }
      let handled = byCode.get(code);
      if (handled === undefined) {
        handled = Object.freeze({ ...labels, grpc_code: status[code] ?? String(code) });
        byCode.set(code, handled);
      }
      return handled;
    };
    const shared: CallShared = { logger, metrics, onCallEnd, handledLabels };
    return (descriptor, call) => {
      const path = descriptor.path;
      const labels = labelsOf(descriptor);
      metrics?.started.inc(labels);
      const record = new CallRecord(shared, path, labels, call);
      const self: ServerInterceptingCall = new ServerInterceptingCall(call, {
        start: (next) => {
          next({
            onCancel: () => record.finish(status.CANCELLED, 'cancelled by the client'),
            onReceiveMetadata: (metadata, proceed) => {
              record.received = metadata;
              if (authenticate === undefined) {
                proceed(metadata);
                return;
              }
              const peer = peerIdentity(call);
              record.caller = peer.commonName;
              Promise.resolve()
                .then(() => authenticate(peer, path, metadata))
                .then(
                  (principal) => {
                    callers.set(metadata, principal);
                    const name = (principal as { name?: unknown } | undefined)?.name;
                    if (typeof name === 'string') record.caller = name;
                    proceed(metadata);
                  },
                  (err: unknown) =>
                    self.sendStatus(
                      toServiceError(err, (e) => logger.error({ err: e }, 'authentication failed')),
                    ),
                );
            },
          });
        },
        sendStatus: (st, next) => {
          record.finish(st.code ?? status.UNKNOWN, st.details ?? '');
          next(st);
        },
      });
      return self;
    };
  }
}

/** What every call's record needs from its server. */
interface CallShared {
  readonly logger: Logger;
  readonly metrics: ReturnType<typeof grpcMetrics> | undefined;
  readonly onCallEnd: ((end: CallEnd) => void) | undefined;
  readonly handledLabels: (path: string, labels: MethodLabels, code: status) => HandledLabels;
}

/**
 * One call as the interceptor follows it. A class rather than closures: its methods are
 * made once, not for every call.
 */
class CallRecord {
  private readonly started = process.hrtime.bigint();
  caller: string | undefined;
  received: Metadata | undefined;
  private ended = false;

  constructor(
    private readonly shared: CallShared,
    private readonly path: string,
    private readonly labels: MethodLabels,
    private readonly call: { getPeer(): string },
  ) {}

  /** Logs, counts and reports the call's end, once: by its status, or by the client cancelling it. */
  finish(code: status, details: string): void {
    if (this.ended) return;
    this.ended = true;
    const { logger, metrics } = this.shared;
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    if (metrics) {
      metrics.handled.inc(this.shared.handledLabels(this.path, this.labels, code));
      metrics.latency.observe(this.labels, seconds);
    }
    if (code === status.OK || code === status.CANCELLED) {
      // Most calls end here and debug is usually off: build the entry only when it is written.
      if (logger.isLevelEnabled('debug'))
        logger.debug(callEntry(this.path, code, seconds, this.caller), 'call');
    } else {
      const entry = callEntry(this.path, code, seconds, this.caller);
      if (code === status.INTERNAL || code === status.UNKNOWN)
        logger.warn({ ...entry, detail: details }, 'call failed');
      else logger.info({ ...entry, detail: details }, 'call refused');
    }
    const onCallEnd = this.shared.onCallEnd;
    if (onCallEnd) {
      try {
        onCallEnd({
          method: this.path,
          code,
          details,
          seconds,
          metadata: this.received,
          peer: this.call.getPeer(),
        });
      } catch (err) {
        logger.error({ err }, 'call end hook failed');
      }
    }
  }
}

type MethodLabels = { readonly grpc_service: string; grpc_method: string; grpc_type: string };
type HandledLabels = MethodLabels & { readonly grpc_code: string };

type MethodDescriptor = { path: string; requestStream: boolean; responseStream: boolean };

function methodLabels(descriptor: MethodDescriptor): MethodLabels {
  const path = descriptor.path;
  const slash = path.lastIndexOf('/');
  const type = `${descriptor.requestStream ? 'client' : 'unary'}_${descriptor.responseStream ? 'stream' : 'unary'}`;
  return Object.freeze({
    grpc_service: path.slice(1, slash),
    grpc_method: path.slice(slash + 1),
    grpc_type: type === 'unary_unary' ? 'unary' : type,
  });
}

function callEntry(method: string, code: status, seconds: number, caller: string | undefined) {
  return { method, code: status[code], ms: Math.round(seconds * 1e6) / 1e3, caller };
}

export function createGrpcServer<P>(opts: GrpcServerOptions<P>): GrpcServer {
  return new GrpcServer(opts as GrpcServerOptions);
}
