/**
 * Errors as the Kubernetes REST API writes them: a `Status` object with the HTTP code and
 * reason Kubernetes uses. One table maps the ApiError codes (gRPC codes, shared with the
 * gRPC API) onto HTTP; what only HTTP can say (400, 405, 406, 415) is an HttpError.
 */
import { ApiError, Code, type ErrorDetails } from '../../sdk/errors.js';
import { kinds } from '../../sdk/kinds.js';
import type { JsonObject } from '../../sdk/manifest/index.js';

/** HTTP status and Kubernetes reason of each ApiError code. */
const httpOf: Partial<Record<Code, { status: number; reason: string }>> = {
  [Code.NOT_FOUND]: { status: 404, reason: 'NotFound' },
  [Code.ALREADY_EXISTS]: { status: 409, reason: 'AlreadyExists' },
  [Code.ABORTED]: { status: 409, reason: 'Conflict' },
  [Code.INVALID_ARGUMENT]: { status: 422, reason: 'Invalid' },
  [Code.PERMISSION_DENIED]: { status: 403, reason: 'Forbidden' },
  [Code.UNAUTHENTICATED]: { status: 401, reason: 'Unauthorized' },
  [Code.OUT_OF_RANGE]: { status: 410, reason: 'Expired' },
  [Code.RESOURCE_EXHAUSTED]: { status: 429, reason: 'TooManyRequests' },
  [Code.FAILED_PRECONDITION]: { status: 400, reason: 'BadRequest' },
  [Code.UNAVAILABLE]: { status: 503, reason: 'ServiceUnavailable' },
  [Code.DEADLINE_EXCEEDED]: { status: 504, reason: 'Timeout' },
  [Code.UNIMPLEMENTED]: { status: 405, reason: 'MethodNotAllowed' },
  [Code.CANCELLED]: { status: 499, reason: 'Unknown' },
  [Code.INTERNAL]: { status: 500, reason: 'InternalError' },
};

/** An error only HTTP has words for: the status and reason are given as they are written. */
export class HttpError extends ApiError {
  constructor(
    readonly httpStatus: number,
    readonly httpReason: string,
    message: string,
    details?: ErrorDetails,
  ) {
    super(httpStatus >= 500 ? Code.INTERNAL : Code.INVALID_ARGUMENT, message, details);
  }

  static badRequest(message: string): HttpError {
    return new HttpError(400, 'BadRequest', message);
  }
  static methodNotAllowed(message: string): HttpError {
    return new HttpError(405, 'MethodNotAllowed', message);
  }
  static notAcceptable(message: string): HttpError {
    return new HttpError(406, 'NotAcceptable', message);
  }
  static unsupportedMediaType(message: string): HttpError {
    return new HttpError(415, 'UnsupportedMediaType', message);
  }
  static requestTooLarge(message: string): HttpError {
    return new HttpError(413, 'RequestEntityTooLarge', message);
  }
}

/** The HTTP status and `Status` body of an error; anything but an ApiError is a 500 that says nothing of itself. */
export function statusOf(err: unknown): { status: number; body: JsonObject } {
  if (!(err instanceof ApiError)) {
    return {
      status: 500,
      body: failure(500, 'InternalError', 'Internal error occurred: see the apiserver log'),
    };
  }
  const http =
    err instanceof HttpError
      ? { status: err.httpStatus, reason: err.httpReason }
      : (httpOf[err.code] ?? { status: 500, reason: 'InternalError' });
  const details = detailsOf(err) ?? (alwaysDetailed.has(http.reason) ? {} : undefined);
  return { status: http.status, body: failure(http.status, http.reason, err.message, details) };
}

/**
 * Reasons whose Status carries `details` even when it names nothing, as Kubernetes'
 * constructors make them: clients read `details` of these without checking it is there
 * (`kubectl debug` reads `details.name` of a 404 to tell a missing subresource from a
 * missing pod, and crashes on a Status without it).
 */
const alwaysDetailed: ReadonlySet<string> = new Set([
  'NotFound',
  'AlreadyExists',
  'Conflict',
  'Forbidden',
  'Invalid',
  'MethodNotAllowed',
]);

/** A `Status` of success, as DELETE of a collection-less object answers in some cases. */
export function successStatus(details?: JsonObject): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details ? { details } : {}),
  };
}

function failure(code: number, reason: string, message: string, details?: JsonObject): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** Kubernetes names the resource (`pods`), not the kind, in `details.kind` of API errors. */
function detailsOf(err: ApiError): JsonObject | undefined {
  const d = err.statusDetails;
  const out: JsonObject = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) {
    const info = kinds.find((k) => k.kind === d.kind && k.apiGroup === (d.group ?? ''));
    out.kind = info ? info.resource : d.kind;
  }
  if (d.uid) out.uid = d.uid;
  const causes = (d.causes ?? []).map((c) => {
    const cause: JsonObject = {};
    if (c.reason) cause.reason = c.reason;
    if (c.message) cause.message = c.message;
    if (c.field) cause.field = c.field;
    return cause;
  });
  if (causes.length > 0) out.causes = causes;
  return Object.keys(out).length > 0 ? out : undefined;
}
