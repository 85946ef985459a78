/**
 * The `pod-template-hash` of a Deployment's ReplicaSets (Kubernetes' ComputeHash): a
 * 32-bit FNV-1a hash of the pod template, plus the Deployment's collisionCount when it
 * is set, encoded with the alphabet Kubernetes uses for generated names (no vowels, so
 * no words). The template is hashed in a canonical form (keys sorted), so the same
 * template gives the same hash in every process; a collision is resolved by bumping
 * collisionCount, which changes the hash.
 */
import { PodTemplateSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { fnv32a, safeEncode } from '../shared/hash.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

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
