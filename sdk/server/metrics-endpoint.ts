/**
 * The /metrics endpoint of a component, protected as Kubernetes protects its own: served
 * over HTTPS with the component's serving certificate, every request authenticated (a
 * client certificate, or whatever else the component's authorizer accepts) and
 * authorized (`get` on the non-resource URL `/metrics`). No credentials → 401; an
 * identity without the permission → 403; otherwise the Prometheus text.
 *
 * Plaintext without authentication only when the caller explicitly asks for it, and only
 * on a loopback address, for a scraper on the same machine.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Registry } from 'prom-client';
import { ApiError } from '../errors.js';
import type { ClientCertificateVerifier } from '../pki/client-certificates.js';

/** What a metrics request presented. */
export interface MetricsRequest {
  /** The client certificate as presented; its chain is for the authorizer to verify. */
  readonly certificate?: PeerCertificate;
  /** The `Authorization` header, if any (`Bearer <token>`). */
  readonly authorization?: string;
}

export type MetricsDecision =
  | { readonly allowed: true; readonly user: string }
  | { readonly allowed: false; readonly status: 401 | 403; readonly reason: string };

/** Authenticates and authorizes one request: 401 for no or bad credentials, 403 for no permission. */
export type MetricsAuthorizer = (request: MetricsRequest) => MetricsDecision | Promise<MetricsDecision>;

export interface MetricsServing {
  /**
   * HTTPS with this certificate; client certificates are requested (not required, so that
   * a client without one gets a 401, or may use a token) and offered against `clientCa`.
   */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly clientCa?: Buffer };
  /** Decides every request over HTTPS. */
  readonly authorize?: MetricsAuthorizer;
  /** Plaintext, no authentication: refused unless the address is a loopback address. */
  readonly insecureLoopback?: boolean;
  /** Deadline for a connection's TLS handshake and its request's headers; 10 s by default. */
  readonly setupTimeoutMs?: number;
  /**
   * Health endpoints beside /metrics, open to anyone as in Kubernetes: `/livez` (and
   * `/healthz`) and `/readyz` answer 200 `ok`, or 500 with the failing checks.
   */
  readonly health?: HealthChecks;
}

/** Each returns the names (with a reason) of the checks that fail now; empty when healthy. */
export interface HealthChecks {
  livez(): readonly string[];
  readyz(): readonly string[];
}

export interface MetricsEndpoint {
  port: number;
  /** `https` or `http`. */
  scheme: string;
  close(): Promise<void>;
}

/** Whether `host` names this machine's loopback interface only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Serves `registry` at `<scheme>://<host>:<port>/metrics` (port 0 picks a free one): HTTPS
 * with `serving.tls` and `serving.authorize`, or plaintext with `serving.insecureLoopback`
 * on a loopback address. Anything else is refused here, before anything listens.
 */
export async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
  serving: MetricsServing,
): Promise<MetricsEndpoint> {
  const setupTimeoutMs = serving.setupTimeoutMs ?? 10_000;
  let server: Server;
  if (serving.insecureLoopback) {
    if (!isLoopback(host)) {
      throw new Error(
        `metrics are served in plaintext only on a loopback address (127.0.0.1, ::1, localhost), not on "${host}": serve them over TLS instead`,
      );
    }
    server = createHttpServer((req, res) => handle(registry, req, res, undefined, serving.health));
  } else {
    const { tls, authorize } = serving;
    if (tls === undefined || authorize === undefined) {
      throw new Error(
        'metrics need TLS and an authorizer (a serving certificate), or plaintext on a loopback address explicitly asked for',
      );
    }
    server = createHttpsServer(
      {
        cert: tls.cert,
        key: tls.key,
        ...(tls.clientCa ? { ca: tls.clientCa } : {}),
        requestCert: true,
        // The authorizer verifies what was presented, so that a missing or unknown
        // certificate is a 401 rather than a failed handshake.
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
        handshakeTimeout: setupTimeoutMs,
      },
      (req, res) => handle(registry, req, res, authorize, serving.health),
    );
  }
  server.headersTimeout = setupTimeoutMs;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    scheme: serving.insecureLoopback ? 'http' : 'https',
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function handle(
  registry: Registry,
  req: IncomingMessage,
  res: ServerResponse,
  authorize: MetricsAuthorizer | undefined,
  health: HealthChecks | undefined,
): void {
  const path = (req.url ?? '').split('?')[0];
  if (health && (path === '/healthz' || path === '/livez' || path === '/readyz')) {
    const failing = path === '/readyz' ? health.readyz() : health.livez();
    const body =
      failing.length === 0
        ? 'ok\n'
        : `${failing.map((f) => `[-] ${f}`).join('\n')}\n${path.slice(1)} check failed\n`;
    res.writeHead(failing.length === 0 ? 200 : 500, { 'content-type': 'text/plain' }).end(body);
    return;
  }
  if (path !== '/metrics' && path !== '/metrics/') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
    return;
  }
  const serve = () =>
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch(() => res.writeHead(500, { 'content-type': 'text/plain' }).end('could not collect metrics\n'));
  if (authorize === undefined) {
    void serve();
    return;
  }
  const presented = (req.socket as TLSSocket).getPeerCertificate?.();
  const request: MetricsRequest = {
    ...(presented && Object.keys(presented).length > 0 ? { certificate: presented } : {}),
    ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
  };
  Promise.resolve()
    .then(() => authorize(request))
    .then(
      (decision) => {
        if (decision.allowed) {
          void serve();
          return;
        }
        const headers: Record<string, string> = { 'content-type': 'text/plain' };
        if (decision.status === 401) headers['www-authenticate'] = 'Bearer realm="metrics"';
        res.writeHead(decision.status, headers).end(`${decision.reason}\n`);
      },
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('could not authorize the request\n'),
    );
}

/** Who may read a component's metrics by client certificate alone (components without RBAC). */
export interface CertificateMetricsAccess {
  /** Verifies the chain (and validity) of presented certificates. */
  readonly verifier: ClientCertificateVerifier;
  /** Certificate common names allowed. */
  readonly users: readonly string[];
  /** Certificate organizations (groups) allowed. */
  readonly groups: readonly string[];
}

/** The groups that may read metrics by default: the superusers, and Kubernetes' monitoring group. */
export const METRICS_READER_GROUPS: readonly string[] = ['system:masters', 'system:monitoring'];

/**
 * An authorizer by client certificate: one signed by a trusted CA whose common name is in
 * `users` or one of whose organizations is in `groups`. Bearer tokens are not understood.
 */
export function certificateMetricsAuthorizer(access: CertificateMetricsAccess): MetricsAuthorizer {
  return ({ certificate }) => {
    let identity: { commonName: string; organizations: readonly string[] } | undefined;
    try {
      identity = access.verifier.verify(certificate);
    } catch (err) {
      return {
        allowed: false,
        status: 401,
        reason: err instanceof ApiError ? err.message : 'invalid client certificate',
      };
    }
    if (identity === undefined) {
      return {
        allowed: false,
        status: 401,
        reason: 'a client certificate signed by a trusted CA is required',
      };
    }
    const { commonName, organizations } = identity;
    if (access.users.includes(commonName) || organizations.some((o) => access.groups.includes(o))) {
      return { allowed: true, user: commonName };
    }
    return {
      allowed: false,
      status: 403,
      reason: `forbidden: user "${commonName}" cannot get path "/metrics"`,
    };
  };
}
