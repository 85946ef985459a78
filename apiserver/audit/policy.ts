/**
 * How much the audit log records, as Kubernetes' audit levels name it:
 * None (nothing), Metadata (who did what to which object, and how it ended) and
 * Request (Metadata plus the request object, with Secret data and tokens removed).
 */
export const auditLevels = ['None', 'Metadata', 'Request'] as const;
export type AuditLevel = (typeof auditLevels)[number];

export function parseAuditLevel(text: string): AuditLevel {
  const level = auditLevels.find((l) => l.toLowerCase() === text.trim().toLowerCase());
  if (!level) {
    throw new Error(`invalid audit level "${text}": use one of ${auditLevels.join(', ')}`);
  }
  return level;
}
