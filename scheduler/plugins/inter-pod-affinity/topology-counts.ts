/**
 * How many matching (pod, term) pairs each topology domain holds: the key is the pair
 * (topology key, node label value). Entries that fall to zero are removed, so an empty
 * map means "no pod matches anywhere", which the first-pod exception relies on.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Labels } from '../../../sdk/labels/index.js';
import { type AffinityTerm, matchesAllTerms, termMatches } from './affinity-term.js';

export class TopologyCounts {
  private readonly counts = new Map<string, number>();

  get size(): number {
    return this.counts.size;
  }

  get(topologyKey: string, value: string): number {
    return this.counts.get(pairKey(topologyKey, value)) ?? 0;
  }

  /** Adds `delta` to the domain of `topologyKey` the node is in; nodes without the label are in none. */
  add(topologyKey: string, nodeLabels: Labels, delta: number): void {
    const value = nodeLabels[topologyKey];
    if (value === undefined) return;
    const k = pairKey(topologyKey, value);
    const n = (this.counts.get(k) ?? 0) + delta;
    if (n === 0) this.counts.delete(k);
    else this.counts.set(k, n);
  }

  /** Whether any domain the node is in, by any of its labels, has a count. */
  anyOnNode(nodeLabels: Labels): boolean {
    for (const [key, value] of Object.entries(nodeLabels)) if (this.get(key, value) > 0) return true;
    return false;
  }

  /** For affinity: when `pod` matches every term, each term's domain on the node counts it. */
  updateWithAffinityTerms(
    terms: readonly AffinityTerm[],
    pod: Pod,
    nsLabels: Labels | undefined,
    nodeLabels: Labels,
    delta: number,
  ): void {
    if (!matchesAllTerms(terms, pod, nsLabels)) return;
    for (const t of terms) this.add(t.topologyKey, nodeLabels, delta);
  }

  /** For anti-affinity: each term that matches `pod` counts it in its domain on the node. */
  updateWithAntiAffinityTerms(
    terms: readonly AffinityTerm[],
    pod: Pod,
    nsLabels: Labels | undefined,
    nodeLabels: Labels,
    delta: number,
  ): void {
    for (const t of terms) if (termMatches(t, pod, nsLabels)) this.add(t.topologyKey, nodeLabels, delta);
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, v] of this.counts) c.counts.set(k, v);
    return c;
  }
}

function pairKey(topologyKey: string, value: string): string {
  return `${topologyKey}\u0000${value}`;
}
