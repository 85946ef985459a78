/**
 * How many matching (pod, term) pairs each topology domain holds: the key is the pair
 * (topology key, node label value). Entries that fall to zero are removed, so an empty
 * map means "no pod matches anywhere", which the first-pod exception relies on.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Labels } from '../../../sdk/labels/index.js';
import { type AffinityTerm, matchesAllTerms, termMatches } from './affinity-term.js';

export class TopologyCounts {
  /** Topology key → value → count; kept without zero entries and without empty inner maps. */
  private readonly counts = new Map<string, Map<string, number>>();
  private pairs = 0;

  /** How many domains have a count. */
  get size(): number {
    return this.pairs;
  }

  get(topologyKey: string, value: string): number {
    return this.counts.get(topologyKey)?.get(value) ?? 0;
  }

  /** Adds `delta` to the domain of `topologyKey` the node is in; nodes without the label are in none. */
  add(topologyKey: string, nodeLabels: Labels, delta: number): void {
    const value = nodeLabels[topologyKey];
    if (value === undefined) return;
    let byValue = this.counts.get(topologyKey);
    if (byValue === undefined) {
      byValue = new Map();
      this.counts.set(topologyKey, byValue);
    }
    const before = byValue.get(value) ?? 0;
    const n = before + delta;
    if (n === 0) {
      byValue.delete(value);
      if (byValue.size === 0) this.counts.delete(topologyKey);
    } else {
      byValue.set(value, n);
    }
    if (before === 0 && n !== 0) this.pairs++;
    else if (before !== 0 && n === 0) this.pairs--;
  }

  /** Whether any domain the node is in has a count (only the keys with counts are looked up). */
  anyOnNode(nodeLabels: Labels): boolean {
    for (const [key, byValue] of this.counts) {
      const value = nodeLabels[key];
      if (value !== undefined && (byValue.get(value) ?? 0) > 0) return true;
    }
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
    for (const [k, byValue] of this.counts) c.counts.set(k, new Map(byValue));
    c.pairs = this.pairs;
    return c;
  }
}
