/**
 * The request object as the audit log writes it at the Request level: plain JSON
 * (bytes as base64, times as RFC 3339) with what must never reach a log removed —
 * the values of Secret `data` and `stringData` (their keys stay, so the record
 * still says which entries changed), and every credential-like field (`token`,
 * `authorization`, `password`) wherever it appears, such as a TokenRequest's
 * `status.token`. A Secret's last-applied annotation, a copy of its manifest, goes
 * too.
 */
export const redacted = '[redacted]';

const credentialFields = new Set(['token', 'authorization', 'password']);
const secretDataFields = new Set(['data', 'stringData']);
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
/** Past this depth a value is cut: requests are bounded by the message size, but logs should stay readable. */
const maxDepth = 32;

/**
 * `inSecret` marks a request about Secrets: the object's data is removed even when
 * the request does not say `kind: Secret`.
 */
export function redactRequest(request: unknown, inSecret: boolean): unknown {
  return walk(request, inSecret, 0);
}

function walk(value: unknown, inSecret: boolean, depth: number): unknown {
  if (depth > maxDepth) return '[too deep]';
  if (value === null || value === undefined) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((v) => walk(v, inSecret, depth + 1));
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const secret = inSecret || record.kind === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (credentialFields.has(key) && v !== '') out[key] = redacted;
    else if (secret && secretDataFields.has(key) && typeof v === 'object' && v !== null) {
      out[key] = Object.fromEntries(Object.keys(v).map((k) => [k, redacted]));
    } else if (secret && key === 'metadata') out[key] = withoutLastApplied(walk(v, false, depth + 1));
    else out[key] = walk(v, key === 'secret' || (secret && key === 'items'), depth + 1);
  }
  return out;
}

function withoutLastApplied(metadata: unknown): unknown {
  const annotations = (metadata as { annotations?: Record<string, unknown> } | null)?.annotations;
  if (!annotations || !(lastApplied in annotations)) return metadata;
  return { ...(metadata as object), annotations: { ...annotations, [lastApplied]: redacted } };
}
