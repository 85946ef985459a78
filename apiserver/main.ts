/**
 * `wheelhouse apiserver`: flags modelled on kube-apiserver's, so that an operator
 * who knows one knows the other.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { sslCredentials } from '../sdk/credentials.js';
import { createLogger } from '../sdk/logger.js';
import {
  createRegistry,
  onShutdownSignal,
  type ServerTlsOptions,
  serveMetrics,
} from '../sdk/server/index.js';
import { StoreClient } from '../store/client.js';
import { defaultAdmissionPlugins } from './admission/plugins/index.js';
import { openAuditLog } from './audit/index.js';
import { createAuthenticator } from './auth/authenticate.js';
import { defaultAuthorizationModes, parseAuthorizationModes } from './auth/authorization-modes.js';
import { defaultServiceAccountIssuer, loadServiceAccountTokens } from './auth/service-account/index.js';
import { TokenFileAuthenticator } from './auth/token-file.js';
import { X509Authenticator } from './auth/x509.js';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE } from './kinds/service/index.js';
import { parsePortRange, parseServiceCidr } from './kinds/service/service-ranges.js';
import { apiserverMetricsAuthorizer } from './metrics-access.js';
import { createApiServer } from './server.js';
import type { KubeletClientTls } from './services/pod-logs.js';
import { parseByteSize, parseWatchCacheMaxBytes } from './watch-cache/index.js';

const flags = {
  'store-servers': { type: 'string', default: '127.0.0.1:2379' },
  'store-cafile': { type: 'string' },
  'store-certfile': { type: 'string' },
  'store-keyfile': { type: 'string' },
  'store-insecure': { type: 'boolean', default: false },
  'bind-address': { type: 'string', default: '127.0.0.1' },
  'secure-port': { type: 'string', default: '6443' },
  'rest-secure-port': { type: 'string', default: '' },
  'tls-cert-file': { type: 'string' },
  'tls-private-key-file': { type: 'string' },
  'client-ca-file': { type: 'string' },
  'kubelet-client-certificate': { type: 'string' },
  'kubelet-client-key': { type: 'string' },
  'kubelet-certificate-authority': { type: 'string' },
  'token-auth-file': { type: 'string' },
  'anonymous-auth': { type: 'boolean', default: false },
  'authorization-mode': { type: 'string', default: defaultAuthorizationModes.join(',') },
  'enable-admission-plugins': { type: 'string', default: defaultAdmissionPlugins.join(',') },
  'audit-log-path': { type: 'string' },
  'audit-policy-level': { type: 'string' },
  'service-account-signing-key-file': { type: 'string' },
  'service-account-key-file': { type: 'string', multiple: true },
  'service-account-issuer': { type: 'string', default: defaultServiceAccountIssuer },
  'api-audiences': { type: 'string', default: '' },
  'watch-cache-sizes': { type: 'string', default: '' },
  'watch-cache-max-bytes': { type: 'string', default: '64Mi' },
  'watch-max-pending-bytes': { type: 'string', default: '16Mi' },
  'event-ttl': { type: 'string', default: '1h' },
  'service-cluster-ip-range': { type: 'string', default: DEFAULT_SERVICE_CLUSTER_IP_RANGE },
  'service-node-port-range': { type: 'string', default: DEFAULT_SERVICE_NODE_PORT_RANGE },
  'watch-batch-window': { type: 'string', default: '20ms' },
  'metrics-bind-address': { type: 'string', default: '' },
  'metrics-insecure-loopback': { type: 'boolean', default: false },
  'connection-setup-timeout': { type: 'string', default: '10s' },
  'idle-connection-timeout': { type: 'string', default: '5m' },
  'insecure-serving': { type: 'boolean', default: false },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const usage = `Usage: wheelhouse apiserver [flags]

  --store-servers HOST:PORT        the store (default 127.0.0.1:2379)
  --store-cafile, --store-certfile, --store-keyfile
                                   TLS to the store: its CA, and the apiserver's client certificate
  --bind-address ADDR              address to serve on (default 127.0.0.1)
  --secure-port PORT               port to serve on (default 6443; 0 picks a free one)
  --rest-secure-port PORT          serve the Kubernetes REST API (kubectl, client libraries) on this
                                   port as well, same certificates and credentials (0 picks a free
                                   one; unset: not served)
  --tls-cert-file, --tls-private-key-file
                                   the serving certificate
  --client-ca-file FILE            CA that client certificates must chain to (x509 authentication)
  --kubelet-client-certificate, --kubelet-client-key
                                   the apiserver's identity towards kubelets (pod logs)
  --kubelet-certificate-authority FILE
                                   CA that kubelets' serving certificates must chain to
  --token-auth-file FILE           static bearer tokens: token,user,uid,"group1,group2"
  --anonymous-auth                 allow requests without credentials (as system:anonymous)
  --authorization-mode LIST        authorizers in order: Node, RBAC, AlwaysAllow (default Node,RBAC)
  --enable-admission-plugins LIST  comma-separated, in order (default ${defaultAdmissionPlugins.join(',')})
  --audit-log-path FILE            where audit records go (JSON lines; - for standard output)
  --audit-policy-level LEVEL       None, Metadata (default) or Request (adds the request, secrets removed)
  --service-account-signing-key-file FILE
                                   the private key (ECDSA P-256) that signs service account tokens
  --service-account-key-file FILE  public keys that verify them (repeatable; default: the signing key's)
  --service-account-issuer URL     the tokens' issuer (default ${defaultServiceAccountIssuer})
  --api-audiences LIST             audiences tokens must name (comma-separated; default: the issuer)
  --watch-cache-sizes LIST         resource#size,... events kept per resource for resuming watches
                                   (default 10000; events#0); 0 serves a resource without a watch
                                   cache (reads from the store, a store watch per client watch)
  --watch-cache-max-bytes LIST     SIZE[,resource#SIZE,...] what those events may weigh per resource
                                   (estimated; default 64Mi; 0 for no byte bound)
  --watch-max-pending-bytes SIZE   what one watch may leave unread before it is ended
                                   (estimated; default 16Mi; 0 for no byte bound)
  --event-ttl DURATION             how long Events are kept (default 1h; e.g. 30m, 2h, 90s)
  --service-cluster-ip-range CIDR  Services' cluster IPs (IPv4; default 10.96.0.0/12)
  --service-node-port-range RANGE  Services' node ports (default 30000-32767)
  --watch-batch-window DURATION    after a change goes out to watches, later ones wait until this
                                   much time has passed and then go out together (default 20ms; 0 off)
  --metrics-bind-address HOST:PORT Prometheus metrics at https://HOST:PORT/metrics, served with the
                                   serving certificate to callers authenticated as for the API and
                                   allowed get on /metrics (RBAC: system:monitoring); 401 / 403 else
  --metrics-insecure-loopback      serve metrics in plaintext without authentication; refused unless
                                   the metrics address is a loopback address (implied by
                                   --insecure-serving)
  --connection-setup-timeout DURATION
                                   a connection must finish its TLS handshake and HTTP/2 preface
                                   within this, or it is closed (default 10s; 0 no limit)
  --idle-connection-timeout DURATION
                                   a connection with no call in progress (a watch is one) is closed
                                   after this (default 5m; 0 never)
  --insecure-serving               serve plaintext without TLS (tests and local debugging only)
  --store-insecure                 talk to the store without TLS (tests only)
`;

/** Milliseconds of a duration like 250ms, 90s, 30m or 1h (a bare number is seconds). */
export function parseDurationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m?.[1]) throw new Error(`invalid duration "${text}": use e.g. 250ms, 90s, 30m or 1h`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000;
  return n * unit;
}

/** Whole seconds of a duration (see parseDurationMs). */
export function parseDuration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms % 1000 !== 0) throw new Error(`invalid duration "${text}": use whole seconds, e.g. 90s, 30m or 1h`);
  return ms / 1000;
}

export function parseWatchCacheSizes(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [resource, size] = part.split('#');
    if (!resource || !size || !/^\d+$/.test(size))
      throw new Error(`invalid --watch-cache-sizes entry "${part}": use resource#size`);
    sizes.set(resource.trim(), Number(size));
  }
  return sizes;
}

/** The kubelet client flags: all three or none (then pod logs answer UNAVAILABLE). */
function kubeletClientTls(values: {
  'kubelet-client-certificate'?: string;
  'kubelet-client-key'?: string;
  'kubelet-certificate-authority'?: string;
}): KubeletClientTls | undefined {
  const {
    'kubelet-client-certificate': cert,
    'kubelet-client-key': key,
    'kubelet-certificate-authority': ca,
  } = values;
  if (!cert && !key && !ca) return undefined;
  if (!cert || !key || !ca) {
    // Kubelets accept only the apiserver's certificate, and a kubelet not verified may be anyone.
    throw new Error(
      '--kubelet-client-certificate, --kubelet-client-key and --kubelet-certificate-authority go together',
    );
  }
  return { cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca) };
}

/**
 * The gRPC target of `--store-servers`: one `host:port`, or several replicas of the store
 * (serving the same etcd cluster) as one channel over a static list of IP addresses, which
 * uses the first that answers and moves to the next when it fails (pick_first), so that
 * the store streams reopen on a live replica.
 */
export function storeTarget(servers: string): string {
  const list = servers
    .split(',')
    .map((s) => s.trim().replace(/^https?:\/\//, ''))
    .filter((s) => s !== '');
  if (list.length <= 1) return list[0] ?? '';
  const bad = list.filter((s) => !/^(\d{1,3}\.){3}\d{1,3}:\d+$/.test(s));
  if (bad.length > 0) {
    throw new Error(
      `--store-servers: several replicas must be given as IPv4 address:port, not ${bad.join(', ')}`,
    );
  }
  return `ipv4:${list.join(',')}`;
}

export async function runApiserver(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: flags, allowPositionals: false });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const logger = createLogger('apiserver', values['log-level'] ? { level: values['log-level'] } : {});
  const authorizationModes = parseAuthorizationModes(values['authorization-mode'] ?? '');

  const storeAddress = storeTarget(values['store-servers'] ?? '');
  let storeCredentials = credentials.createInsecure();
  if (!values['store-insecure']) {
    const { 'store-cafile': ca, 'store-certfile': cert, 'store-keyfile': key } = values;
    if (!ca || !cert || !key)
      throw new Error(
        '--store-cafile, --store-certfile and --store-keyfile are required (or --store-insecure)',
      );
    storeCredentials = sslCredentials(readFileSync(ca), readFileSync(key), readFileSync(cert));
  }
  const store = new StoreClient({ address: storeAddress, credentials: storeCredentials });

  let tls: ServerTlsOptions | undefined;
  if (!values['insecure-serving']) {
    const { 'tls-cert-file': cert, 'tls-private-key-file': key, 'client-ca-file': ca } = values;
    if (!cert || !key)
      throw new Error('--tls-cert-file and --tls-private-key-file are required (or --insecure-serving)');
    tls = {
      cert: readFileSync(cert),
      key: readFileSync(key),
      ...(ca ? { ca: readFileSync(ca) } : {}),
      clientCerts: ca ? ('request' as const) : ('none' as const),
    };
  }
  const serviceAccountTokens = loadServiceAccountTokens({
    signingKeyFile: values['service-account-signing-key-file'],
    keyFiles: values['service-account-key-file'] ?? [],
    issuer: values['service-account-issuer'] ?? defaultServiceAccountIssuer,
    apiAudiences: (values['api-audiences'] ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
  });
  const audit = openAuditLog({
    path: values['audit-log-path'],
    level: values['audit-policy-level'],
    logger,
  });
  const clientCa = values['client-ca-file'];
  const authenticate = createAuthenticator({
    ...(clientCa ? { x509: new X509Authenticator(readFileSync(clientCa, 'utf8')) } : {}),
    tokens: [
      ...(values['token-auth-file'] ? [TokenFileAuthenticator.fromFile(values['token-auth-file'])] : []),
      ...(serviceAccountTokens.authenticator ? [serviceAccountTokens.authenticator] : []),
    ],
    anonymous: values['anonymous-auth'] ?? false,
  });

  const kubeletClient = kubeletClientTls(values);
  const metrics = createRegistry('apiserver');
  const server = await createApiServer({
    store,
    logger,
    ...(tls ? { tls } : {}),
    authenticate,
    authorizationModes,
    admissionPlugins: (values['enable-admission-plugins'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
    watchCacheSizes: parseWatchCacheSizes(values['watch-cache-sizes'] ?? ''),
    watchCacheMaxBytes: parseWatchCacheMaxBytes(values['watch-cache-max-bytes'] ?? ''),
    watchMaxPendingBytes: parseByteSize(
      values['watch-max-pending-bytes'] ?? '16Mi',
      '--watch-max-pending-bytes',
    ),
    eventTtlSeconds: parseDuration(values['event-ttl'] ?? '1h'),
    serviceClusterIPRange: parseServiceCidr(values['service-cluster-ip-range'] ?? '').text,
    serviceNodePortRange: parsePortRange(values['service-node-port-range'] ?? '').text,
    watchBatchWindowMs: parseDurationMs(values['watch-batch-window'] ?? '20ms'),
    metrics,
    serviceAccountTokens,
    ...(audit ? { audit } : {}),
    ...(kubeletClient ? { kubeletClient } : {}),
    connections: {
      setupTimeoutMs: parseDurationMs(values['connection-setup-timeout'] ?? '10s'),
      idleTimeoutMs: parseDurationMs(values['idle-connection-timeout'] ?? '5m'),
    },
  });
  const port = await server.listen(`${values['bind-address']}:${values['secure-port']}`);
  const restPort = values['rest-secure-port'] ?? '';
  if (restPort !== '') {
    if (!/^\d+$/.test(restPort))
      throw new Error(`--rest-secure-port must be a port number, got "${restPort}"`);
    const bound = await server.listenRest(values['bind-address'] ?? '127.0.0.1', Number(restPort));
    // Printed before the line below, which supervisors and tests wait for.
    process.stdout.write(
      `apiserver serving the Kubernetes REST API on ${tls ? 'https' : 'http'}://${values['bind-address']}:${bound}\n`,
    );
  }
  let metricsEndpoint: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  const metricsAddress = values['metrics-bind-address'] ?? '';
  if (metricsAddress !== '') {
    const [host = '127.0.0.1', p = '0'] = metricsAddress.split(/:(?=\d+$)/);
    metricsEndpoint = await serveMetrics(
      metrics,
      host,
      Number(p),
      values['metrics-insecure-loopback'] || tls === undefined
        ? { insecureLoopback: true }
        : {
            tls: { cert: tls.cert, key: tls.key, ...(tls.ca ? { clientCa: tls.ca } : {}) },
            authorize: apiserverMetricsAuthorizer(authenticate, server.authorizer),
          },
    );
    logger.info({ port: metricsEndpoint.port, scheme: metricsEndpoint.scheme }, 'metrics listening');
  }
  // One line on stdout that supervisors and tests wait for.
  process.stdout.write(`apiserver listening on ${values['bind-address']}:${port}\n`);
  onShutdownSignal(async (signal) => {
    logger.info({ signal }, 'shutting down');
    await server.stop();
    await metricsEndpoint?.close();
    store.close();
  });
}
