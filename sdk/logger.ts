/**
 * Structured logs for every component: pino, one JSON line per event, with the
 * component's name on every line. Credentials and secret data are redacted by path
 * so that no caller has to remember to leave them out.
 */
import { type Logger, pino } from 'pino';

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
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
