/**
 * One error class for the whole system. Anything thrown inside a handler is turned
 * into a gRPC status at the boundary by `toServiceError`; anything received from a
 * server is turned back into an ApiError by `fromServiceError`, so callers match on
 * `err.code` whichever side of a connection they are on.
 *
 * The structured form (a wheelhouse.meta.v1.Status with every failed field) travels in
 * the trailer `wheelhouse-status-bin`; the gRPC message says the same in words. Both are
 * bounded here (`boundStatus`), whatever the error echoes: trailers travel in one HTTP/2
 * header block, which clients cap at a few KiB (8 KiB in grpc-go's and C-core's
 * defaults), and a call whose trailers exceed the cap never ends for its client.
 */
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { Status, StatusCause, type StatusDetails } from './gen/wheelhouse/meta/v1/meta.js';
import { truncateBytes } from './truncate.js';

export { status as Code } from '@grpc/grpc-js';

export const statusTrailer = 'wheelhouse-status-bin';

/** Kubernetes' machine-readable reason for each code we use. */
const reasons: Partial<Record<status, string>> = {
  [status.NOT_FOUND]: 'NotFound',
  [status.ALREADY_EXISTS]: 'AlreadyExists',
  [status.ABORTED]: 'Conflict',
  [status.INVALID_ARGUMENT]: 'Invalid',
  [status.PERMISSION_DENIED]: 'Forbidden',
  [status.UNAUTHENTICATED]: 'Unauthorized',
  [status.OUT_OF_RANGE]: 'Expired',
  [status.RESOURCE_EXHAUSTED]: 'TooManyRequests',
  [status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [status.UNAVAILABLE]: 'ServiceUnavailable',
  [status.DEADLINE_EXCEEDED]: 'Timeout',
  [status.UNIMPLEMENTED]: 'MethodNotAllowed',
  [status.INTERNAL]: 'InternalError',
};

export type ErrorDetails = Partial<StatusDetails>;

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: status,
    message: string,
    readonly statusDetails: ErrorDetails = {},
    /** Extra trailers to send with the status (for example a conflicting object). */
    readonly trailers?: Metadata,
  ) {
    super(message);
  }

  get reason(): string {
    return reasons[this.code] ?? status[this.code] ?? 'Unknown';
  }

  get causes(): StatusCause[] {
    return this.statusDetails.causes ?? [];
  }

  static notFound(message: string, details?: ErrorDetails): ApiError {
    return new ApiError(status.NOT_FOUND, message, details);
  }
  static alreadyExists(message: string, details?: ErrorDetails): ApiError {
    return new ApiError(status.ALREADY_EXISTS, message, details);
  }
  /** A stale resourceVersion or a failed compare-and-swap. */
  static conflict(message: string, details?: ErrorDetails): ApiError {
    return new ApiError(status.ABORTED, message, details);
  }
  static invalid(message: string, causes: StatusCause[] = [], details?: ErrorDetails): ApiError {
    return new ApiError(status.INVALID_ARGUMENT, message, { ...details, causes });
  }
  static forbidden(message: string, details?: ErrorDetails): ApiError {
    return new ApiError(status.PERMISSION_DENIED, message, details);
  }
  static unauthenticated(message: string): ApiError {
    return new ApiError(status.UNAUTHENTICATED, message);
  }
  /** A compacted revision: Kubernetes' 410 Gone. */
  static gone(message: string, details?: ErrorDetails): ApiError {
    return new ApiError(status.OUT_OF_RANGE, message, details);
  }
  static exhausted(message: string, details?: ErrorDetails): ApiError {
    return new ApiError(status.RESOURCE_EXHAUSTED, message, details);
  }
  static failedPrecondition(message: string, details?: ErrorDetails): ApiError {
    return new ApiError(status.FAILED_PRECONDITION, message, details);
  }
  static unavailable(message: string): ApiError {
    return new ApiError(status.UNAVAILABLE, message);
  }
  static unimplemented(message: string): ApiError {
    return new ApiError(status.UNIMPLEMENTED, message);
  }
  static internal(message: string): ApiError {
    return new ApiError(status.INTERNAL, message);
  }

  /** The structured status carried in the `wheelhouse-status-bin` trailer. */
  toStatus(): Status {
    return Status.fromPartial({
      code: this.code,
      reason: this.reason,
      message: this.message,
      details: this.statusDetails,
    });
  }
}

export function isApiError(err: unknown, code?: status): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

/**
 * Converts anything thrown by a handler into what grpc-js sends. Errors that are not
 * ApiErrors are internal: their text is not sent to the client (it may hold
 * anything) but handed to `onInternal` for the log.
 */
/** What grpc-js needs to end a call with a status. */
export interface ServiceStatus {
  code: status;
  details: string;
  metadata?: Metadata;
}

/** The most bytes of a status message (UTF-8), in `grpc-message` and in the status trailer. */
export const maxStatusMessageBytes = 1024;
/** The most bytes of a status message once percent-encoded for `grpc-message`. */
export const maxStatusMessageEncodedBytes = 2048;
/** The most bytes of the encoded Status in `wheelhouse-status-bin`: 4 KiB once base64-encoded. */
export const maxStatusTrailerBytes = 3072;
/** The most field causes sent; the rest are summed up by one more cause, `and K more errors`. */
export const maxStatusCauses = 16;

const maxCauseMessageBytes = 512;
const maxCauseFieldBytes = 256;
const maxNameBytes = 256;
const maxReasonBytes = 128;
/** Room kept for the summing-up cause and the length prefixes that grow as causes are added. */
const trailerReserve = 64;

/** What stands for the `count` errors that are not listed. */
export function moreErrors(count: number): string {
  return `and ${count} more ${count === 1 ? 'error' : 'errors'}`;
}

/**
 * A Status that fits the transport, whatever it echoes: its message cut to
 * `maxStatusMessageBytes`, names, fields and cause messages to a few hundred bytes, at
 * most `maxStatusCauses` causes and no more than fit in `maxStatusTrailerBytes` encoded,
 * the others summed up by a last cause `and K more errors`.
 */
export function boundStatus(st: Status): Status {
  const bounded: Status = {
    code: st.code,
    reason: truncateBytes(st.reason, maxReasonBytes),
    message: truncateBytes(st.message, maxStatusMessageBytes, maxStatusMessageEncodedBytes),
  };
  const details = st.details;
  if (details === undefined) return bounded;
  const causes: StatusCause[] = [];
  bounded.details = {
    name: truncateBytes(details.name, maxNameBytes),
    group: truncateBytes(details.group, maxNameBytes),
    kind: truncateBytes(details.kind, maxNameBytes),
    uid: truncateBytes(details.uid, maxNameBytes),
    causes,
  };
  let size = Status.encode(bounded).finish().length + trailerReserve;
  for (const cause of details.causes ?? []) {
    if (causes.length >= maxStatusCauses) break;
    const c: StatusCause = {
      reason: truncateBytes(cause.reason, maxReasonBytes),
      message: truncateBytes(cause.message, maxCauseMessageBytes),
      field: truncateBytes(cause.field, maxCauseFieldBytes),
    };
    // The cause's bytes, its tag and its length prefix.
    const n = StatusCause.encode(c).finish().length + 3;
    if (size + n > maxStatusTrailerBytes) break;
    causes.push(c);
    size += n;
  }
  const rest = (details.causes?.length ?? 0) - causes.length;
  if (rest > 0) causes.push({ reason: '', message: moreErrors(rest), field: '' });
  return bounded;
}

/** The `wheelhouse-status-bin` trailer of a status, bounded. */
function statusTrailerValue(st: Status): Buffer {
  return Buffer.from(Status.encode(boundStatus(st)).finish());
}

/** A gRPC status message that fits `grpc-message`. */
function boundMessage(message: string): string {
  return truncateBytes(message, maxStatusMessageBytes, maxStatusMessageEncodedBytes);
}

export function toServiceError(err: unknown, onInternal?: (err: unknown) => void): ServiceStatus {
  if (err instanceof ApiError) {
    const metadata = err.trailers?.clone() ?? new Metadata();
    metadata.set(statusTrailer, statusTrailerValue(err.toStatus()));
    return { code: err.code, details: boundMessage(err.message), metadata };
  }
  if (isServiceError(err)) {
    // Passed on from another server: its status trailer, if any, is bounded again.
    let metadata = err.metadata;
    const raw = metadata?.get(statusTrailer)[0];
    if (metadata !== undefined && raw instanceof Buffer && raw.length > maxStatusTrailerBytes) {
      metadata = metadata.clone();
      try {
        metadata.set(statusTrailer, statusTrailerValue(Status.decode(raw)));
      } catch {
        metadata.remove(statusTrailer);
      }
    }
    return { code: err.code, details: boundMessage(err.details), metadata };
  }
  onInternal?.(err);
  return { code: status.INTERNAL, details: 'internal error; the server log has the details' };
}

function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string'
  );
}

/** Turns an error received from a gRPC call back into an ApiError, with its structured details. */
export function fromServiceError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isServiceError(err)) {
    const raw = err.metadata?.get(statusTrailer)[0];
    if (raw instanceof Buffer) {
      try {
        const decoded = Status.decode(raw);
        return new ApiError(err.code, decoded.message || err.details, decoded.details ?? {}, err.metadata);
      } catch {
        // A malformed trailer is not worth failing over: fall through to the plain status.
      }
    }
    return new ApiError(err.code, err.details || err.message, {}, err.metadata);
  }
  return ApiError.internal(err instanceof Error ? err.message : String(err));
}
