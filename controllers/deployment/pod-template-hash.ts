/**
 * The `pod-template-hash` of a Deployment's ReplicaSets (Kubernetes' ComputeHash): a
 * 32-bit FNV-1a hash of the pod template, plus the Deployment's collisionCount when it
 * is set, encoded with the alphabet Kubernetes uses for generated names (no vowels, so
 * no words). The template is hashed in a canonical form (keys sorted), so the same
 * template gives the same hash in every process; a collision is resolved by bumping
 * collisionCount, which changes the hash.
 */
import { PodTemplateSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The template as canonical JSON, optionally without the pod-template-hash label. */
export function canonicalTemplate(template: PodTemplateSpec | undefined, ignoreHash = false): string {
  const json = PodTemplateSpec.toJSON(PodTemplateSpec.fromPartial(template ?? {})) as {
    metadata?: { labels?: Record<string, string> };
  };
  if (ignoreHash && json.metadata?.labels) {
    const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = json.metadata.labels;
    json.metadata.labels = rest;
    if (Object.keys(rest).length === 0) delete json.metadata.labels;
  }
  return JSON.stringify(canonical(json));
}

/** FNV-1a, 32 bits. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Kubernetes' rand.SafeEncodeString: each character mapped into the safe alphabet. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += safeAlphabet[s.charCodeAt(i) % safeAlphabet.length];
  return out;
}

export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalTemplate(template, true)));
  if (collisionCount !== undefined) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncode(String(h));
}

/** Whether two templates are the same but for the pod-template-hash label (Kubernetes' EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalTemplate(a, true) === canonicalTemplate(b, true);
}
