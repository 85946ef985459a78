/**
 * The contract of the Kubernetes REST API beside gRPC: what the HTTP front (the router in
 * this folder) hands to the parts that plug into it — subresource handlers, resources that
 * are not stored kinds (access reviews, metrics), non-resource paths (OpenAPI) — and what
 * they give back. Everything a handler needs of the apiserver comes in `RestServices`, so
 * that no handler reaches into the gRPC services.
 */

import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Metadata } from '@grpc/grpc-js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import type { AccessAuthorizer } from '../auth/authorization-modes.js';
import type { RuleResolver } from '../auth/rbac/rule-resolver.js';
import type { TokenIssuer } from '../auth/service-account/index.js';
import type { UserInfo } from '../auth/types.js';
import type { NodeStatsSource } from '../kinds/node/stats.js';
import type { PodExecTarget } from '../kinds/pod/exec.js';
import type { PodLogSource } from '../kinds/pod/logs.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { RequestContext } from '../registry/strategy.js';

/** The response a handler may write to itself (streams: watch, log, exec upgrades aside). */
export type RestResponse = ServerResponse | Http2ServerResponse;

/** One authenticated HTTP request, parsed. */
export interface RestRequest {
  /** GET, POST, PUT, PATCH, DELETE. */
  readonly method: string;
  /** Path and query (`url.searchParams` for list options, `follow`, `container`, …). */
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** Who is calling, as the authenticator found them (client certificate, bearer token). */
  readonly user: UserInfo;
  /** API group ('' for the core group) and version of the path. */
  readonly group: string;
  readonly version: string;
  /** The resource of the path (`pods`), its namespace ('' when cluster-scoped or all) and name. */
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  /** `status`, `scale`, `log`, `exec`, … or ''. */
  readonly subresource: string;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** The key its authorization is kept under for the audit log (RequestGate.admitUser); none when not audited. */
  readonly record?: Metadata;
  /** The whole request body (bounded by the router); empty for none. */
  body(): Promise<Buffer>;
  /**
   * Set for an HTTP/1.1 `Upgrade` request to a subresource marked `upgrade: true`: the
   * connection and the bytes read past the request's head. The handler checks everything
   * it can first and throws (the router answers with a Status and closes the connection)
   * or takes the connection over: writes `101 Switching Protocols` itself, and owns the
   * socket from then on.
   */
  readonly upgrade?: { readonly socket: Duplex; readonly head: Buffer };
}

/**
 * What a handler answers: an object written as JSON with `status` (200 by default), or
 * `undefined` when the handler wrote the response itself (streams). Errors are thrown as
 * ApiError and written by the router as a Kubernetes `Status` with the matching HTTP code.
 */
export type RestResult = { readonly status?: number; readonly body: unknown } | undefined;

export type RestHandler = (
  req: RestRequest,
  res: RestResponse,
  services: RestServices,
) => Promise<RestResult>;

/** What handlers may use of the apiserver. */
export interface RestServices {
  /** The registry of each stored kind, by kind name. */
  readonly registries: ReadonlyMap<string, GenericRegistry<KindObject>>;
  /**
   * Authorizes `verb` on the request's resource (and `subresource`) as the caller and
   * returns the registry context, as the gRPC gate does; PERMISSION_DENIED otherwise.
   */
  authorize(
    req: RestRequest,
    access: {
      verb: string;
      info: KindInfo;
      subresource?: string;
      namespace: string;
      name: string;
      dryRun?: boolean;
    },
  ): Promise<RequestContext>;
  readonly authorizer: AccessAuthorizer;
  readonly ruleResolver: RuleResolver;
  readonly tokenIssuer?: TokenIssuer;
  readonly podLogs?: PodLogSource;
  readonly podExec?: PodExecTarget;
  readonly nodeStats?: NodeStatsSource;
}

/** A subresource of stored kinds, keyed `<resource>/<subresource>` (`pods/log`, `deployments/scale`). */
export interface RestSubresource {
  /** Methods it answers, e.g. ['GET'] or ['GET', 'PUT', 'PATCH']; others are 405. */
  readonly methods: readonly string[];
  /** Verbs listed in discovery for `<resource>/<subresource>`. */
  readonly verbs: readonly string[];
  /** The kind discovery names for it (`Scale`, `Eviction`, `TokenRequest`); the parent's kind if absent. */
  readonly kind?: { readonly group: string; readonly version: string; readonly kind: string };
  readonly handler: RestHandler;
  /** Answers WebSocket upgrades (exec, attach, portforward) rather than plain requests. */
  readonly upgrade?: boolean;
}

/** A resource that is not a stored kind: access reviews, metrics.k8s.io. */
export interface RestVirtualResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  /**
   * Request media types the handler decodes itself besides JSON (`kubectl auth can-i`
   * sends `application/vnd.kubernetes.protobuf`); the router must not refuse them with 415.
   */
  readonly requestContentTypes?: readonly string[];
  readonly handler: RestHandler;
}

/** Paths outside `/api` and `/apis` (`/openapi/v3`, `/openapi/v2`), matched by prefix. */
export interface RestNonResourceRoute {
  readonly prefix: string;
  readonly handler: RestHandler;
}
