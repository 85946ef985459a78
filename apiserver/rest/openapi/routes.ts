/**
 * `/openapi/v3`, `/openapi/v3/<group-version>` and `/openapi/v2` as Kubernetes serves
 * them. Clients cache by hash: the index names each document with the hash of its
 * content, a request carrying the current hash may be cached for good
 * (`public, immutable`), one carrying an old hash is redirected to the current one,
 * and every answer has an ETag for `If-None-Match`.
 *
 * v3 is JSON only: kubectl 1.29–1.33 ask for `application/json`, and a client that
 * accepts only the protobuf form is told 406 so that it falls back. v2 is served in
 * gnostic's protobuf form (what kubectl and client-go ask for) or as JSON.
 */
import type { RestHandler, RestNonResourceRoute, RestRequest, RestResult } from '../types.js';
import { createOpenApiDocuments, type OpenApiDocuments, type ServedDocument } from './documents.js';

export const jsonType = 'application/json';
export const v2ProtobufType = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/**
 * The form client-go asked for before 1.14, still accepted, and the Content-Type of
 * every protobuf answer: Go's mime parser rejects the `@` of the newer name, so
 * client-go fails on a response labelled with it.
 */
export const v2ProtobufTypeOld = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
export const v3ProtobufType = 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf';

function status(code: number, reason: string, message: string): RestResult {
  return {
    status: code,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code },
  };
}

/**
 * The first of `offers` that the Accept header allows, in the header's order of
 * preference (q-values, then position); the first offer when there is no header.
 */
export function negotiate(accept: string | undefined, offers: readonly string[]): string | undefined {
  if (!accept || accept.trim() === '') return offers[0];
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.type !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    const offer = offers.find(
      (o) =>
        range.type === '*/*' ||
        range.type === o ||
        (range.type.endsWith('/*') && o.startsWith(range.type.slice(0, -1))),
    );
    if (offer) return offer;
  }
  return undefined;
}

function etagMatches(req: RestRequest, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

/** What HTTP/1 and HTTP/2 responses both offer, with one call signature each. */
interface ResponseSink {
  statusCode: number;
  setHeader(name: string, value: string | number): unknown;
  end(data: Uint8Array | string): unknown;
}

function write(
  req: RestRequest,
  res: ResponseSink,
  doc: ServedDocument,
  type: string,
  cacheControl: string,
): RestResult {
  const etag = `"${doc.hash}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('Vary', 'Accept, Accept-Encoding');
  if (cacheControl.includes('immutable')) {
    res.setHeader('Expires', new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString());
  }
  if (etagMatches(req, etag)) {
    res.statusCode = 304;
    res.end('');
    return undefined;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? doc.gzipped() : doc.body;
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? '' : body);
  return undefined;
}

function onlyGet(req: RestRequest): RestResult | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  return status(405, 'MethodNotAllowed', `${req.method} is not supported on ${req.url.pathname}; use GET`);
}

function notAcceptable(req: RestRequest, offers: readonly string[]): RestResult {
  return status(
    406,
    'NotAcceptable',
    `${req.url.pathname} is served as ${offers.join(' or ')}, not as ${String(req.headers.accept)}; ` +
      `ask for ${offers[0]}`,
  );
}

export function createOpenApiRoutes(
  documents: OpenApiDocuments = createOpenApiDocuments(),
): RestNonResourceRoute[] {
  const v3: RestHandler = async (req, response) => {
    const res: ResponseSink = response;
    const refused = onlyGet(req);
    if (refused) return refused;
    const path = req.url.pathname.replace(/\/+$/, '');
    if (!path.startsWith('/openapi/v3') || (path !== '/openapi/v3' && !path.startsWith('/openapi/v3/'))) {
      return status(404, 'NotFound', `no OpenAPI document at ${req.url.pathname}; the index is /openapi/v3`);
    }
    if (!negotiate(req.headers.accept, [jsonType])) return notAcceptable(req, [jsonType]);
    if (path === '/openapi/v3')
      return write(req, res, await documents.v3Index(), jsonType, 'no-cache, private');
    const gvPath = path.slice('/openapi/v3/'.length);
    const doc = await documents.v3(gvPath);
    if (!doc) {
      return status(
        404,
        'NotFound',
        `no OpenAPI document for ${gvPath}; /openapi/v3 lists the group-versions served`,
      );
    }
    const hash = req.url.searchParams.get('hash');
    if (hash !== null && hash !== doc.hash) {
      res.statusCode = 301;
      res.setHeader('Location', `/openapi/v3/${gvPath}?hash=${doc.hash}`);
      res.setHeader('Cache-Control', 'no-cache, private');
      res.end('');
      return undefined;
    }
    return write(req, res, doc, jsonType, hash === null ? 'no-cache, private' : 'public, immutable');
  };

  const v2: RestHandler = async (req, response) => {
    const res: ResponseSink = response;
    const refused = onlyGet(req);
    if (refused) return refused;
    const path = req.url.pathname.replace(/\/+$/, '');
    if (path !== '/openapi/v2') {
      return status(404, 'NotFound', `no OpenAPI document at ${req.url.pathname}; did you mean /openapi/v2?`);
    }
    const offers = [jsonType, v2ProtobufType, v2ProtobufTypeOld];
    const type = negotiate(req.headers.accept, offers);
    if (!type) return notAcceptable(req, offers);
    if (type === jsonType) return write(req, res, await documents.v2Json(), type, 'no-cache, private');
    return write(req, res, await documents.v2Protobuf(), v2ProtobufTypeOld, 'no-cache, private');
  };

  return [
    { prefix: '/openapi/v3', handler: v3 },
    { prefix: '/openapi/v2', handler: v2 },
  ];
}
