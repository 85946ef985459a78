/**
 * The audit log: one JSON line per API call, written when the call ends (the
 * gRPC server's `onCallEnd` hook), calls refused at authentication included.
 * What the call did comes from the request gate's record of its authorized
 * attributes (`requestOf`), or from its method when it never got that far; at the
 * Request level the request object is kept by `captureRequests`, which wraps the
 * services' handlers, and written with Secret data and credentials removed.
 *
 * Calls to the REST API are recorded by `recordRest` when their response ends, in the
 * same shape: `method` is the HTTP method, and `requestURI`, `userAgent` and the HTTP
 * `responseCode` take the place of the gRPC code and status.
 *
 * A line:
 *   {"time":…,"auditID":…,"level":"Metadata","stage":"ResponseComplete","method":"/wheelhouse.core.v1.PodService/ListPods",
 *    "user":"admin","uid":"","groups":["system:masters","system:authenticated"],"sourceIP":"127.0.0.1",
 *    "verb":"list","apiGroup":"","resource":"pods","subresource":"","namespace":"default","name":"",
 *    "code":0,"status":"OK","decision":"allow","latencyMs":1.2,"requestReceivedTimestamp":…}
 */
import { randomUUID } from 'node:crypto';
import { type Metadata, status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { kinds, serviceNameOf } from '../../sdk/kinds.js';
import { type CallEnd, callerOf } from '../../sdk/server/index.js';
import type { UserInfo } from '../auth/types.js';
import { requestOf } from '../services/request.js';
import type { AuditSink } from './audit-sink.js';
import { methodAttributes } from './method-attributes.js';
import type { AuditLevel } from './policy.js';
import { redactRequest } from './redact.js';

export interface AuditLogOptions {
  readonly level: AuditLevel;
  readonly sink: AuditSink;
  readonly now?: () => Date;
}

/** Calls about the server itself, not the API: health checks would drown everything else. */
const unaudited = /^\/grpc\./;
const unauditedPaths = /^\/(healthz|livez|readyz)(\/|$)/;
/** Refusal messages are kept, but bounded: a line is a record, not a payload. */
const maxMessageLength = 1024;

interface HandlerCall {
  request?: unknown;
  metadata: Metadata;
  on?(event: 'cancelled', listener: () => void): unknown;
  getPeer?(): string;
}
type Handler = (call: HandlerCall, ...rest: unknown[]) => unknown;

/** What is kept of a request, taken when its handler starts (the registry may change the object later). */
interface CapturedRequest {
  /** The name of the object it carries, if any. */
  readonly name: string;
  /** The redacted request, at the Request level. */
  readonly object?: unknown;
}

export class AuditLog {
  private readonly requests = new WeakMap<Metadata, CapturedRequest>();
  /** Calls already recorded: a cancelled call may be reported twice (see captureRequests). */
  private readonly recorded = new WeakSet<Metadata>();

  constructor(private readonly opts: AuditLogOptions) {}

  get level(): AuditLevel {
    return this.opts.level;
  }

  /**
   * The same service, with each call's request remembered for the audit line: its
   * body at the Request level, and at every level the name of an object being
   * created (the request gate authorizes creates without one). It also records
   * calls the client cancels, which never reach the server's `onCallEnd` (a watch
   * ended by its client, most often).
   */
  captureRequests(impl: UntypedServiceImplementation): UntypedServiceImplementation {
    if (this.opts.level === 'None') return impl;
    const wrapped: UntypedServiceImplementation = {};
    for (const [rpc, handler] of Object.entries(impl)) {
      const fn = handler as unknown as Handler;
      const capture: Handler = (call, ...rest) => {
        const started = process.hrtime.bigint();
        if (call.request !== undefined) {
          this.requests.set(call.metadata, {
            name: objectNameOf(call.request),
            ...(this.opts.level === 'Request' ? { object: redactRequest(call.request, false) } : {}),
          });
        }
        call.on?.('cancelled', () => {
          // Let a status the server still sends win; record the cancellation otherwise.
          setImmediate(() => this.recordCancelled(call, rpc, started));
        });
        return fn(call, ...rest);
      };
      wrapped[rpc] = capture as unknown as UntypedServiceImplementation[string];
    }
    return wrapped;
  }

  /** The `onCallEnd` hook of the gRPC server. */
  readonly onCallEnd = (end: CallEnd): void => {
    if (this.opts.level === 'None' || unaudited.test(end.method)) return;
    if (end.metadata) {
      if (this.recorded.has(end.metadata)) return;
      this.recorded.add(end.metadata);
    }
    this.opts.sink.write(`${JSON.stringify(this.eventOf(end))}\n`);
  };

  private recordCancelled(call: HandlerCall, rpc: string, started: bigint): void {
    if (this.recorded.has(call.metadata)) return;
    const attrs = requestOf(call.metadata)?.attributes;
    const info = attrs && kinds.find((k) => k.resource === attrs.resource && k.apiGroup === attrs.apiGroup);
    const service = info ? serviceNameOf(info) : '';
    this.onCallEnd({
      method: `/${service}/${rpc.charAt(0).toUpperCase()}${rpc.slice(1)}`,
      code: status.CANCELLED,
      details: 'cancelled by the client',
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      metadata: call.metadata,
      peer: call.getPeer?.() ?? '',
    });
  }

  /**
   * A REST call whose response has ended. `record` is the key its authorization was kept
   * under (RequestGate.admitUser), `body` the request body, kept at the Request level when
   * it is JSON (redacted as a gRPC request is).
   */
  recordRest(end: RestCallEnd): void {
    if (this.opts.level === 'None' || unauditedPaths.test(end.path)) return;
    const now = this.opts.now?.() ?? new Date();
    const decided = requestOf(end.record);
    const attrs = decided?.attributes;
    const user = attrs?.user ?? end.user;
    const event: Record<string, unknown> = {
      ...this.header(now),
      method: end.method,
      requestURI: end.requestURI,
      ...userFields(user),
      sourceIP: sourceIpOf(end.peer),
      userAgent: end.userAgent.slice(0, maxMessageLength),
      verb: attrs?.verb ?? end.method.toLowerCase(),
      apiGroup: attrs?.apiGroup ?? '',
      resource: attrs?.resource ?? '',
      subresource: attrs?.subresource ?? '',
      namespace: attrs?.namespace ?? '',
      name: attrs?.name || end.name,
      ...(attrs ? {} : { nonResourceURL: end.path }),
      responseCode: end.responseCode,
      ...(decided ? { decision: decided.decision.allowed ? 'allow' : 'forbid' } : {}),
      ...(decided && !decided.decision.allowed ? { reason: decided.decision.reason } : {}),
      latencyMs: Math.round(end.seconds * 1e6) / 1e3,
      requestReceivedTimestamp: new Date(now.getTime() - end.seconds * 1000).toISOString(),
    };
    if (this.opts.level === 'Request' && end.body && end.body.length > 0) {
      event.requestObject = restRequestObject(end.body, attrs?.resource === 'secrets');
    }
    this.opts.sink.write(`${JSON.stringify(event)}\n`);
  }

  close(): Promise<void> {
    return this.opts.sink.close();
  }

  /** What every line starts with. */
  private header(now: Date): Record<string, unknown> {
    return {
      time: now.toISOString(),
      auditID: randomUUID(),
      level: this.opts.level,
      stage: 'ResponseComplete',
    };
  }

  private eventOf(end: CallEnd): Record<string, unknown> {
    const now = this.opts.now?.() ?? new Date();
    const decided = requestOf(end.metadata);
    const attrs = decided?.attributes ?? { ...methodAttributes(end.method), namespace: '', name: '' };
    const captured = end.metadata ? this.requests.get(end.metadata) : undefined;
    const user: UserInfo | undefined =
      decided?.attributes.user ?? (end.metadata ? callerOf<UserInfo>(end.metadata) : undefined);
    const event: Record<string, unknown> = {
      ...this.header(now),
      method: end.method,
      ...userFields(user),
      sourceIP: sourceIpOf(end.peer),
      verb: attrs.verb,
      apiGroup: attrs.apiGroup,
      resource: attrs.resource,
      subresource: attrs.subresource,
      namespace: attrs.namespace,
      name: attrs.name || (captured?.name ?? ''),
      code: end.code,
      status: status[end.code] ?? String(end.code),
      ...(end.code !== status.OK && end.details ? { message: end.details.slice(0, maxMessageLength) } : {}),
      ...(decided ? { decision: decided.decision.allowed ? 'allow' : 'forbid' } : {}),
      ...(decided && !decided.decision.allowed ? { reason: decided.decision.reason } : {}),
      latencyMs: Math.round(end.seconds * 1e6) / 1e3,
      requestReceivedTimestamp: new Date(now.getTime() - end.seconds * 1000).toISOString(),
    };
    if (captured?.object !== undefined) event.requestObject = captured.object;
    return event;
  }
}

/**
 * Who made a call, as a line names them. An impersonated call names the caller who made
 * it (`user`, `groups`, ...) and the user it acted as (`impersonatedUser`), as Kubernetes'
 * audit events do.
 */
function userFields(user: UserInfo | undefined): Record<string, unknown> {
  const caller = user?.impersonator ?? user;
  return {
    user: caller?.name ?? '',
    uid: caller?.uid ?? '',
    groups: caller?.groups ?? [],
    ...(caller?.extra && Object.keys(caller.extra).length > 0 ? { extra: caller.extra } : {}),
    ...(user?.impersonator
      ? { impersonatedUser: { username: user.name, uid: user.uid, groups: user.groups } }
      : {}),
  };
}

/** What the REST server knows of a call when its response ends. */
export interface RestCallEnd {
  /** GET, POST, … */
  readonly method: string;
  /** The path alone, and the path with its query. */
  readonly path: string;
  readonly requestURI: string;
  readonly userAgent: string;
  /** Who the authenticator found; undefined when authentication failed. */
  readonly user: UserInfo | undefined;
  /** The client's address. */
  readonly peer: string;
  /** The object's name as the path gives it, for a call that never reached authorization. */
  readonly name: string;
  readonly responseCode: number;
  readonly seconds: number;
  /** The key the request gate kept the call's attributes and decision under. */
  readonly record: Metadata;
  /** The request body, when it was read. */
  readonly body?: Buffer;
}

/** A REST request body as the Request level keeps it: JSON redacted, anything else by its size. */
function restRequestObject(body: Buffer, inSecret: boolean): unknown {
  try {
    return redactRequest(JSON.parse(body.toString('utf8')), inSecret);
  } catch {
    return `[a body of ${body.length} bytes that is not JSON]`;
  }
}

/** `ipv4:127.0.0.1:5000`, `127.0.0.1:5000` or `[::1]:5000` → the address alone. */
function sourceIpOf(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]/.exec(bare);
  if (bracketed?.[1]) return bracketed[1];
  const colon = bare.lastIndexOf(':');
  return colon > 0 && bare.indexOf(':') === colon ? bare.slice(0, colon) : bare;
}

/** The name of the object a create or update request carries (`{ pod: { metadata: { name } } }`). */
function objectNameOf(request: unknown): string {
  if (typeof request !== 'object' || request === null) return '';
  for (const value of Object.values(request)) {
    const name = (value as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return '';
}
