/**
 * Structured logs for every component: pino, one JSON line per event, with the
 * component's name on every line. Credentials and secret data are redacted by path
 * so that no caller has to remember to leave them out.
 */
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

/** `value` with every long string cut to `maxLoggedChars`; the very object when none is. */
function bounded(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return truncate(value, maxLoggedChars);
  if (depth >= maxBoundedDepth || value === null || typeof value !== 'object') return value;
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

/** pino's error serializer, with the message and the stack bounded. */
function boundedError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown;
  if (out === null || typeof out !== 'object') return out;
  const e = out as Record<string, unknown>;
  const message = e.message;
  if (typeof message === 'string' && message.length > maxLoggedChars) {
    const short = truncate(message, maxLoggedChars);
    e.message = short;
    // The stack starts with the message: keep its frames, not the whole message again.
    if (typeof e.stack === 'string') e.stack = e.stack.replace(message, () => short);
  }
  if (typeof e.stack === 'string') e.stack = truncate(e.stack, 2 * maxLoggedChars);
  if (typeof e.details === 'string') e.details = truncate(e.details, maxLoggedChars);
  return out;
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
      serializers: { err: boundedError, msg: (msg: unknown) => bounded(msg, maxBoundedDepth) },
      formatters: { log: (obj) => bounded(obj, 0) as Record<string, unknown> },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
