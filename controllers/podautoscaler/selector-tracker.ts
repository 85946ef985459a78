/**
 * Which pods each HPA scales, by the selector of its target's scale as its last sync read
 * it: two HPAs whose targets pick the same pods would fight over them, so Kubernetes'
 * HPA refuses to act on pods that another HPA's selector also picks (AmbiguousSelector).
 * An HPA not synced yet selects nothing.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { matches, type Selector } from '../../sdk/labels/index.js';

export class SelectorTracker {
  /** Namespace → HPA name → selector. */
  private readonly byNamespace = new Map<string, Map<string, Selector>>();

  put(namespace: string, name: string, selector: Selector): void {
    let names = this.byNamespace.get(namespace);
    if (names === undefined) {
      names = new Map();
      this.byNamespace.set(namespace, names);
    }
    names.set(name, selector);
  }

  delete(namespace: string, name: string): void {
    const names = this.byNamespace.get(namespace);
    names?.delete(name);
    if (names?.size === 0) this.byNamespace.delete(namespace);
  }

  /** The HPAs of `namespace` whose selector picks one of `pods`, at most `limit`, sorted by name. */
  hpasMatching(namespace: string, pods: readonly Pod[], limit: number): string[] {
    const found: string[] = [];
    for (const [name, selector] of this.byNamespace.get(namespace) ?? []) {
      if (pods.some((pod) => matches(selector, pod.metadata?.labels))) found.push(name);
      if (found.length >= limit) break;
    }
    return found.sort();
  }
}
