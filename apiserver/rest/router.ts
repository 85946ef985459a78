/**
 * The REST router: one authenticated request in, one response out. Non-resource paths
 * (`/version`, health, discovery, OpenAPI) first; then `/api` and `/apis` paths go to a
 * virtual resource (access reviews, metrics), a subresource handler, or the stored kind's
 * verbs (resources.ts), at the kind's version or one it is also served at (versions/).
 * Whatever a handler throws is written as a Kubernetes `Status`.
 */
import { ApiError } from '../../sdk/errors.js';
import { kinds } from '../../sdk/kinds.js';
import type { Logger } from '../../sdk/logger.js';
import type { UserInfo } from '../auth/types.js';
import { wantsAggregatedDiscovery } from './accept.js';
import {
  AGGREGATED_DISCOVERY_TYPE,
  aggregatedDiscovery,
  apiGroupList,
  apiGroupOf,
  apiResourceList,
  apiVersions,
  versionInfo,
} from './discovery.js';
import { HttpError, statusOf } from './errors.js';
import { openApiRoutes } from './openapi/index.js';
import { parseApiPath } from './paths.js';
import { serveKind } from './resources.js';
import { restSubresources, restVirtualResources } from './subresources/index.js';
import type { RestRequest, RestResponse, RestResult, RestServices } from './types.js';
import { servedVersionOf } from './versions/served-versions.js';

/** What the router needs of a request besides what the path says. */
export interface IncomingRestRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: RestRequest['headers'];
  readonly user: UserInfo;
  readonly signal: AbortSignal;
  body(): Promise<Buffer>;
  /** The connection of an HTTP/1.1 `Upgrade` request (exec over WebSocket). */
  readonly upgrade?: RestRequest['upgrade'];
  readonly record?: RestRequest['record'];
}

export interface RestRouterOptions {
  readonly services: RestServices;
  readonly logger: Logger;
  /** `host:port` clients reach this server at, for `/api`'s serverAddressByClientCIDRs. */
  readonly serverAddress: () => string;
}

export type RestRouter = (req: IncomingRestRequest, res: RestResponse) => Promise<void>;

/**
 * Paths every authenticated caller may read, as Kubernetes' `system:discovery` and
 * `system:public-info-viewer` ClusterRoles grant them to `system:authenticated`.
 */
const publicPaths = /^\/(version|healthz|livez|readyz|api|apis|openapi)(\/|$)/;

export function createRestRouter(opts: RestRouterOptions): RestRouter {
  const { services, logger } = opts;

  const route = async (req: IncomingRestRequest, res: RestResponse): Promise<RestResult> => {
    const path = req.url.pathname;
    if (!publicPaths.test(path)) {
      const decision = services.authorizer.authorizeNonResource(req.user, req.method.toLowerCase(), path);
      if (!decision.allowed) {
        throw ApiError.forbidden(
          `forbidden: User "${req.user.name}" cannot ${req.method.toLowerCase()} path "${path}"`,
        );
      }
    }
    switch (path) {
      case '/version':
      case '/version/':
        return { body: versionInfo() };
      case '/healthz':
      case '/livez':
      case '/readyz':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return undefined;
    }
    for (const r of openApiRoutes) {
      if (path === r.prefix || path.startsWith(r.prefix.endsWith('/') ? r.prefix : `${r.prefix}/`)) {
        return r.handler(
          requestOf(req, { group: '', version: '', resource: '', namespace: '', name: '', subresource: '' }),
          res,
          services,
        );
      }
    }
    const api = parseApiPath(path);
    if (api === undefined) throw notFound();
    switch (api.type) {
      case 'root':
        requireGet(req);
        if (wantsAggregatedDiscovery(req.headers)) return discoveryAnswer(res, aggregatedDiscovery(api.core));
        return { body: api.core ? apiVersions(opts.serverAddress()) : apiGroupList() };
      case 'group': {
        requireGet(req);
        const body = apiGroupOf(api.group);
        if (!body) throw notFound();
        return { body };
      }
      case 'groupVersion': {
        requireGet(req);
        const body = apiResourceList(api.group, api.version);
        if (!body) throw notFound();
        return { body };
      }
      case 'resource':
        break;
    }
    const rest = requestOf(req, api);
    const virtual = restVirtualResources.find(
      (v) => v.group === api.group && v.version === api.version && v.resource === api.resource,
    );
    if (virtual) {
      if (
        virtual.namespaced !== api.namespaced &&
        !(virtual.namespaced && api.name === '' && req.method === 'GET')
      ) {
        throw notFound();
      }
      return virtual.handler(rest, res, services);
    }
    const info = kinds.find((k) => k.apiGroup === api.group && k.resource === api.resource);
    if (!info) throw notFound();
    // Another version of the kind is a view of the stored object (versions/).
    const view = api.version === info.version ? undefined : servedVersionOf(info, api.version);
    if (api.version !== info.version && !view) throw notFound();
    // A namespaced kind's object lives in a namespace; a cluster-scoped one has none.
    if (info.namespaced ? !api.namespaced && (api.name !== '' || req.method !== 'GET') : api.namespaced) {
      throw notFound();
    }
    if (api.subresource !== '' && api.subresource !== 'status') {
      const sub = restSubresources.get(`${api.resource}/${api.subresource}`);
      if (!sub || api.name === '' || view) throw notFound();
      if (req.upgrade !== undefined && !sub.upgrade) {
        throw HttpError.badRequest(`${api.resource}/${api.subresource} does not take an Upgrade request`);
      }
      if (!sub.methods.includes(req.method)) {
        throw HttpError.methodNotAllowed(
          `${req.method} is not supported on ${api.resource}/${api.subresource}`,
        );
      }
      return sub.handler(rest, res, services);
    }
    return serveKind(rest, res, info, services, view);
  };

  return async (req, res) => {
    let result: RestResult;
    try {
      result = await route(req, res);
    } catch (err) {
      const { status, body } = statusOf(err);
      if (status >= 500 && !(err instanceof ApiError)) {
        logger.error({ err, method: req.method, path: req.url.pathname }, 'REST request failed');
      }
      result = { status, body };
    }
    if (result === undefined) return;
    if (res.headersSent) {
      // A stream that failed after it started: nothing more can be said but ending it.
      if (!res.writableEnded) res.end();
      return;
    }
    const text = JSON.stringify(result.body);
    res.writeHead(result.status ?? 200, {
      'content-type': res.getHeader('content-type') ?? 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
}

function requestOf(
  req: IncomingRestRequest,
  where: {
    group: string;
    version: string;
    resource: string;
    namespace: string;
    name: string;
    subresource: string;
  },
): RestRequest {
  return {
    method: req.method,
    url: req.url,
    headers: req.headers,
    user: req.user,
    group: where.group,
    version: where.version,
    resource: where.resource,
    namespace: where.namespace,
    name: where.name,
    subresource: where.subresource,
    signal: req.signal,
    body: () => req.body(),
    ...(req.upgrade ? { upgrade: req.upgrade } : {}),
    ...(req.record ? { record: req.record } : {}),
  };
}

function discoveryAnswer(res: RestResponse, body: unknown): RestResult {
  res.setHeader('content-type', AGGREGATED_DISCOVERY_TYPE);
  return { body };
}

function requireGet(req: IncomingRestRequest): void {
  if (req.method !== 'GET')
    throw HttpError.methodNotAllowed(`${req.method} is not supported on discovery paths`);
}

function notFound(): ApiError {
  return ApiError.notFound('the server could not find the requested resource');
}
