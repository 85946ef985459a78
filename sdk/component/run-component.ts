/**
 * One way for the scheduler, the controller manager and the kubelet to start: the flags
 * they share (kube-* names), the client config, a pino logger, an HTTPS endpoint with
 * `/healthz`, `/livez`, `/readyz` (open) and `/metrics` (delegated authentication and
 * authorization), optional leader election on a Lease, and a graceful stop on SIGTERM
 * (the Lease is released, so a standby takes over at once).
 *
 * A component is its `run(ctx)`: it makes informers and controllers from the context and
 * returns when `ctx.signal` aborts. With leader election it runs only while leading, with
 * fresh informers each term.
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { Registry } from 'prom-client';
import { type Clientset, createClientset } from '../client/typed-client.js';
import { type LoadedClientConfig, loadClientConfig } from '../client-config.js';
import { tlsMaterial } from '../credentials.js';
import { parseDurationMs } from '../duration.js';
import { apiEventSink } from '../events/event-sink.js';
import { createEventRecorder, type EventRecorder, registerEventRecorderMetrics } from '../events/index.js';
import { AccessReviewServiceClient } from '../gen/wheelhouse/authorization/v1/access_review_service.js';
import { LeaseServiceClient } from '../gen/wheelhouse/coordination/v1/lease_service.js';
import { InformerFactory, type InformerFactoryOptions } from '../informers/informer-factory.js';
import { createGrpcLeaseClient, createLeaderElector } from '../leader-election/index.js';
import { createLogger, type Logger } from '../logger.js';
import { ClientCertificateVerifier } from '../pki/client-certificates.js';
import { createRegistry } from '../server/metrics.js';
import { type MetricsEndpoint, serveMetrics } from '../server/metrics-endpoint.js';
import { onShutdownSignal } from '../server/signals.js';
import { delegatedMetricsAuthorizer } from './delegated-authorizer.js';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly default?: string | boolean;
  /** One line for --help. */
  readonly help: string;
}

export interface ComponentContext {
  /** Every flag's value, the shared ones and the component's own. */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clients: Clientset;
  /**
   * New clients of the same apiserver that authenticate with the bearer token `token()`
   * returns at each call instead of the component's own credentials (a controller acting
   * as its service account). The caller closes them.
   */
  clientsWithToken(token: () => string): Clientset;
  /** Fresh for each run (each term, under leader election); started by the runner once run() is called. */
  readonly informers: InformerFactory;
  readonly events: EventRecorder;
  /** Aborts on shutdown, or when leadership is lost. */
  readonly signal: AbortSignal;
  /** Adds a readiness check: returns why the component is not ready, or undefined. */
  addReadyCheck(name: string, check: () => string | undefined): void;
}

export interface ComponentDefinition {
  /** `scheduler`, `controller-manager`, `kubelet`: in logs, metrics and the user agent. */
  readonly name: string;
  /** The usage line and a sentence of what it does. */
  readonly description: string;
  /** Default `--secure-port` of its health and metrics endpoint (0: none). */
  readonly securePort: number;
  /** Present when the component may run several replicas with one leader. */
  readonly leaderElection?: { readonly resourceName: string };
  /** `source.component` of the Events it records (`default-scheduler`). */
  readonly eventSource?: string;
  readonly flags?: Readonly<Record<string, FlagSpec>>;
  /**
   * How the context's informers hold objects: `{ managedFields: false }` for a component
   * that never reads metadata.managedFields (sdk/informers/list-watch.ts).
   */
  readonly informers?: Pick<InformerFactoryOptions, 'managedFields'>;
  run(ctx: ComponentContext): Promise<void>;
}

const sharedFlags: Record<string, FlagSpec> = {
  kubeconfig: {
    type: 'string',
    help: 'client config file (default: $WHEELHOUSE_CONFIG, ./.wheelhouse/admin.yaml)',
  },
  'bind-address': {
    type: 'string',
    default: '127.0.0.1',
    help: 'address of the health and metrics endpoint',
  },
  'secure-port': { type: 'string', help: 'port of the health and metrics endpoint (HTTPS; 0 for none)' },
  'tls-cert-file': { type: 'string', help: 'serving certificate of that endpoint' },
  'tls-private-key-file': { type: 'string', help: 'its key' },
  'client-ca-file': {
    type: 'string',
    help: 'CA of client certificates allowed to ask for /metrics (default: the client config CA)',
  },
  'metrics-insecure-loopback': {
    type: 'boolean',
    default: false,
    help: 'serve health and metrics in plaintext without authentication, on a loopback address only',
  },
  'leader-elect': {
    type: 'string',
    default: 'true',
    help: 'run only while holding the leader Lease (true/false)',
  },
  'leader-elect-lease-duration': {
    type: 'string',
    default: '15s',
    help: 'how long others wait before taking a lease not renewed',
  },
  'leader-elect-renew-deadline': {
    type: 'string',
    default: '10s',
    help: 'a leader that cannot renew this long stops',
  },
  'leader-elect-retry-period': {
    type: 'string',
    default: '2s',
    help: 'time between tries to acquire or renew',
  },
  'leader-elect-resource-namespace': {
    type: 'string',
    default: 'kube-system',
    help: 'namespace of the Lease',
  },
  'leader-elect-resource-name': { type: 'string', help: "name of the Lease (default: the component's)" },
  help: { type: 'boolean', default: false, help: 'print this help' },
};

function usageOf(def: ComponentDefinition, flags: Record<string, FlagSpec>): string {
  const lines = Object.entries(flags)
    .filter(([name]) => def.leaderElection || !name.startsWith('leader-elect'))
    .map(([name, spec]) => {
      const left = `  --${name}${spec.type === 'string' ? ' VALUE' : ''}`;
      const dflt =
        spec.default !== undefined && spec.default !== false ? ` (default ${String(spec.default)})` : '';
      return `${left.padEnd(42)} ${spec.help}${dflt}`;
    });
  return `${def.description}\n\nFlags:\n${lines.join('\n')}\n`;
}

/** Parses the flags, starts the component and resolves with its exit code once it has stopped. */
export async function runComponent(
  def: ComponentDefinition,
  argv: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; stdout?: (text: string) => void; handleSignals?: boolean } = {},
): Promise<number> {
  const flags = { ...sharedFlags, ...def.flags };
  const write = opts.stdout ?? ((t: string) => void process.stdout.write(t));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(flags).map(([name, spec]) => [
          name,
          { type: spec.type, ...(spec.default !== undefined ? { default: spec.default } : {}) },
        ]),
      ) as never,
      strict: true,
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usageOf(def, flags)}`);
    return 2;
  }
  if (values.help) {
    write(usageOf(def, flags));
    return 0;
  }

  const logger = createLogger(def.name);
  const lifetime = new AbortController();
  // Every informer, controller and worker of the component listens on this one signal.
  setMaxListeners(0, lifetime.signal);
  const stopSignals =
    opts.handleSignals === false
      ? () => undefined
      : onShutdownSignal(async (signal) => {
          logger.info({ signal }, 'stopping');
          lifetime.abort();
        }, false);

  let config: LoadedClientConfig;
  try {
    config = loadClientConfig({
      ...(typeof values.kubeconfig === 'string' ? { explicitPath: values.kubeconfig } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
  } catch (err) {
    logger.error({ err }, 'cannot load the client config');
    stopSignals();
    return 1;
  }
  const registry = createRegistry(def.name);
  const clients = createClientset(config, { component: def.name });
  const events = createEventRecorder(apiEventSink(clients.api), {
    component: def.eventSource ?? def.name,
    logger,
  });
  registerEventRecorderMetrics(registry, events);
  const readyChecks = new Map<string, () => string | undefined>();
  const failing = (checks: Iterable<[string, () => string | undefined]>) => {
    const out: string[] = [];
    for (const [name, check] of checks) {
      const why = check();
      if (why !== undefined) out.push(`${name}: ${why}`);
    }
    return out;
  };

  let endpoint: MetricsEndpoint | undefined;
  try {
    endpoint = await serveHealth(def, values, config, clients, registry, {
      livez: () => [],
      readyz: () => (lifetime.signal.aborted ? ['shutdown: stopping'] : failing(readyChecks)),
    });
    if (endpoint) {
      logger.info({ port: endpoint.port, scheme: endpoint.scheme }, 'health and metrics listening');
      write(
        `${def.name} health and metrics on ${endpoint.scheme}://${String(values['bind-address'])}:${endpoint.port}\n`,
      );
    }

    const runTerm = async (signal: AbortSignal) => {
      const informers = new InformerFactory(clients.api, { ...def.informers, logger, registry });
      readyChecks.set('informer-sync', () => (informers.hasSynced() ? undefined : 'caches not synced'));
      informers.start(signal);
      await def.run({
        flags: values,
        logger,
        registry,
        clients,
        clientsWithToken: (token) => createClientset(config, { component: def.name, token }),
        informers,
        events,
        signal,
        addReadyCheck: (name, check) => readyChecks.set(name, check),
      });
    };

    const leaderElect = def.leaderElection !== undefined && values['leader-elect'] !== 'false';
    if (leaderElect && def.leaderElection) {
      const identity = `${hostname()}_${process.pid}`;
      const elector = createLeaderElector({
        lease: {
          namespace: String(values['leader-elect-resource-namespace']),
          name: String(values['leader-elect-resource-name'] ?? def.leaderElection.resourceName),
        },
        identity,
        client: createGrpcLeaseClient(clients.api.serviceClient(LeaseServiceClient)),
        leaseDurationMs: parseDurationMs(String(values['leader-elect-lease-duration'])),
        renewDeadlineMs: parseDurationMs(String(values['leader-elect-renew-deadline'])),
        retryPeriodMs: parseDurationMs(String(values['leader-elect-retry-period'])),
        registry,
        logger,
        onStartedLeading: (signal) => runTerm(signal),
        onNewLeader: (leader) => logger.info({ leader, self: leader === identity }, 'leader'),
      });
      readyChecks.set('leader-election', () => undefined);
      await elector.run(lifetime.signal);
    } else {
      await runTerm(lifetime.signal);
    }
    return 0;
  } catch (err) {
    logger.error({ err }, `${def.name} failed`);
    return 1;
  } finally {
    lifetime.abort();
    stopSignals();
    await events.close();
    await endpoint?.close();
    clients.close();
    logger.flush();
  }
}

async function serveHealth(
  def: ComponentDefinition,
  values: Record<string, string | boolean | undefined>,
  config: LoadedClientConfig,
  clients: Clientset,
  registry: Registry,
  health: { livez(): string[]; readyz(): string[] },
): Promise<MetricsEndpoint | undefined> {
  const port = Number(values['secure-port'] ?? def.securePort);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid --secure-port "${values['secure-port']}"`);
  if (port === 0) return undefined;
  const host = String(values['bind-address']);
  if (values['metrics-insecure-loopback'])
    return serveMetrics(registry, host, port, { insecureLoopback: true, health });
  const certFile = values['tls-cert-file'];
  const keyFile = values['tls-private-key-file'];
  if (typeof certFile !== 'string' || typeof keyFile !== 'string') {
    throw new Error(
      'the health and metrics endpoint needs --tls-cert-file and --tls-private-key-file (or --metrics-insecure-loopback, or --secure-port 0)',
    );
  }
  const caPem =
    typeof values['client-ca-file'] === 'string'
      ? readFileSync(values['client-ca-file'], 'utf8')
      : tlsMaterial(config).ca?.toString('utf8');
  if (!caPem) throw new Error('no --client-ca-file, and the client config names no CA');
  const verifier = new ClientCertificateVerifier(caPem);
  return serveMetrics(registry, host, port, {
    tls: { cert: readFileSync(certFile), key: readFileSync(keyFile), clientCa: Buffer.from(caPem) },
    authorize: delegatedMetricsAuthorizer(verifier, clients.api.serviceClient(AccessReviewServiceClient)),
    health,
  });
}
