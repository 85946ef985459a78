/**
 * The apiserver's audit log (`--audit-log-path`, `--audit-policy-level`): who did
 * what to which object, and how it ended, one JSON line per call.
 */
import type { Logger } from '../../sdk/logger.js';
import { AuditLog } from './audit-log.js';
import { openAuditSink } from './audit-sink.js';
import { type AuditLevel, parseAuditLevel } from './policy.js';

export { AuditLog, type AuditLogOptions, type RestCallEnd } from './audit-log.js';
export { type AuditSink, BufferedSink, openAuditSink } from './audit-sink.js';
export { type AuditLevel, auditLevels, parseAuditLevel } from './policy.js';
export { redactRequest } from './redact.js';

/**
 * The audit log the flags ask for; undefined without a path or at level None.
 * The level defaults to Metadata once a path is given.
 */
export function openAuditLog(opts: {
  path: string | undefined;
  level: string | undefined;
  logger: Logger;
}): AuditLog | undefined {
  const level: AuditLevel = opts.level ? parseAuditLevel(opts.level) : 'Metadata';
  if (!opts.path || level === 'None') return undefined;
  const sink = openAuditSink(opts.path, {
    onDrop: () => opts.logger.warn('audit log backlog full: dropping audit records until it drains'),
  });
  return new AuditLog({ level, sink });
}
