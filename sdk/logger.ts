/**
 * Structured logs for every component: pino, one JSON line per event, with the
 * component's name on every line. Credentials and secret data are redacted by path
 * so that no caller has to remember to leave them out, and errors are written as their
 * code and message (serializeError), never with the metadata a failed call carries.
 */
import { status } from '@grpc/grpc-js';
import { type Logger, pino } from 'pino';
import { truncate } from './truncate.js';

export type { Logger } from 'pino';

/** Paths never written to a log, whatever object they appear in. */
export const redactedPaths = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'password',
  '*.password',
  'secret.data',
  'secret.stringData',
  '*.secret.data',
  '*.secret.stringData',
  'key',
  'privateKey',
  '*.privateKey',
];

/**
 * The longest string a log line carries in one field (a message, an error's message, a
 * call's status detail), in characters; stacks get twice as much. Whatever a client sent
 * reaches a log at most this long: one request must not write megabytes of log.
 */
export const maxLoggedChars = 4096;

/** Plain objects are walked this deep for long strings; deeper ones are logged as they are. */
const maxBoundedDepth = 2;

/**
 * What an error's `details` may weigh, as JSON, to be logged: a short one (the failed
 * fields of an invalid object) says what went wrong; a long one repeats what the call sent.
 */
export const maxLoggedDetailsChars = 512;

/** Causes and aggregated errors are followed this deep, and this many of each. */
const maxErrorDepth = 2;
const maxAggregated = 3;

/**
 * Properties of errors never logged: a failed call's response metadata (a gRPC
 * ServiceError's `metadata`, an ApiError's `trailers`) holds the binary status and
 * whatever the server attached (several KiB as JSON), and says nothing its code and
 * message do not.
 */
const unloggedErrorKeys = new Set(['metadata', 'trailers', 'stack', 'message', 'name']);

/** An error with whatever properties its producer added (`code`, `details`, `errno`, ...). */
interface LoggedError extends Error {
  readonly code?: unknown;
  readonly [key: string]: unknown;
}

/** Whether an error is a call's status: an ApiError, or a ServiceError of grpc-js. */
function isStatusError(e: LoggedError): boolean {
  return (
    typeof e.code === 'number' &&
    status[e.code] !== undefined &&
    (e.name === 'ApiError' || 'metadata' in e || 'trailers' in e || 'statusDetails' in e)
  );
}

/** Drops the empty fields of details (a decoded message has every field, set or not). */
const withoutEmpty = (key: string, v: unknown) =>
  key !== '' && (v === '' || (Array.isArray(v) && v.length === 0)) ? undefined : v;

/** `details` when their JSON is short and says something, else undefined. */
function shortDetails(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value.length <= maxLoggedDetailsChars ? value : undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value, withoutEmpty);
  } catch {
    return undefined;
  }
  if (json === undefined || json === '{}' || json === '[]' || json.length > maxLoggedDetailsChars)
    return undefined;
  return JSON.parse(json) as unknown;
}

/**
 * An error as a log line carries it: its type, its code (a call's status by name:
 * `PERMISSION_DENIED`), its message, its short details, its other plain properties
 * (errno, syscall, address: strings bounded), its cause and aggregated errors, and its
 * stack, except for a call's status, whose stack only says where the client decoded it
 * (kept for INTERNAL and UNKNOWN, which may be a bug). Never the call's metadata or
 * trailers, nor any other object it holds. Anything but an error is logged as it is.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  // Only errors: what the serializer already made of one is a plain object, passed as it is.
  if (!(err instanceof Error)) return bounded(err, maxBoundedDepth);
  const out: Record<string, unknown> = {};
  out.type = err.name !== 'Error' ? err.name : (err.constructor?.name ?? 'Error');
  const e = err as LoggedError;
  const statusError = isStatusError(e);
  if (statusError) out.code = status[e.code as number];
  const message = String(err.message);
  const short = truncate(message, maxLoggedChars);
  out.message = short;
  for (const [key, value] of Object.entries(e)) {
    if (unloggedErrorKeys.has(key) || key in out) continue;
    if (key === 'statusDetails' || key === 'details') {
      const d = shortDetails(value);
      // A ServiceError's `details` is its message again, without the code.
      if (d !== undefined && !(typeof d === 'string' && message.includes(d))) out.details = d;
      continue;
    }
    if (key === 'cause' || key === 'errors') continue;
    if (typeof value === 'string') out[key] = truncate(value, maxLoggedChars);
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
      out[key] = typeof value === 'bigint' ? String(value) : value;
  }
  const code = e.code as number;
  const keepStack = !statusError || code === status.INTERNAL || code === status.UNKNOWN;
  if (keepStack && typeof err.stack === 'string') {
    // The stack starts with the message: keep its frames, not a long message again.
    const stack = message.length > short.length ? err.stack.replace(message, () => short) : err.stack;
    out.stack = truncate(stack, 2 * maxLoggedChars);
  }
  if (depth < maxErrorDepth) {
    if (err.cause !== undefined) out.cause = serializeError(err.cause, depth + 1);
    if (Array.isArray(e.errors)) {
      out.errors = e.errors.slice(0, maxAggregated).map((x: unknown) => serializeError(x, depth + 1));
      if (e.errors.length > maxAggregated) out.moreErrors = e.errors.length - maxAggregated;
    }
  }
  return out;
}

/** `value` with every long string cut to `maxLoggedChars`, and every error serialized; the very object when nothing changes. */
function bounded(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return truncate(value, maxLoggedChars);
  if (value === null || typeof value !== 'object') return value;
  // Errors are recognised at any depth a walk reaches: one logged under another key
  // than `err`, or inside an object, must not carry its metadata into the line either.
  if (value instanceof Error) return serializeError(value);
  if (depth >= maxBoundedDepth) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((v, i) => {
      const b = bounded(v, depth + 1);
      if (b !== v) {
        copy ??= [...value];
        copy[i] = b;
      }
    });
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, v] of Object.entries(value)) {
    const b = bounded(v, depth + 1);
    if (b !== v) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = b;
    }
  }
  return copy ?? value;
}

export interface LoggerOptions {
  /** trace, debug, info, warn, error, fatal or silent; defaults to $WHEELHOUSE_LOG_LEVEL or info. */
  level?: string;
  /** Where lines go; defaults to standard error so that standard output stays for command output. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(component: string, opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.WHEELHOUSE_LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: { component, pid: process.pid },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: {
        err: (err: unknown) => serializeError(err),
        msg: (msg: unknown) => bounded(msg, maxBoundedDepth),
      },
      formatters: { log: (obj) => bounded(obj, 0) as Record<string, unknown> },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
