/**
 * The short hashes controllers put into names and labels (pod-template-hash, the
 * ControllerRevision name suffix): 32-bit FNV-1a, written in the alphabet Kubernetes
 * uses for generated names (no vowels, so no words).
 */

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bits; `seed` continues an earlier hash. */
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
