/**
 * Recent RBAC decisions by everything they depend on: (user, groups, verb, group,
 * resource, subresource, namespace, and the name when a rule looks at names). The
 * policy only changes through the RBAC objects, so any change to them clears the whole
 * cache; between changes a decision cannot go stale. Bounded: when full, it starts over
 * (a decision is cheap to redo, and a working set larger than the bound would evict
 * everything anyway).
 */
import type { RequestAttributes } from '../types.js';
import type { PolicyDecision } from './rbac-policy.js';

export class DecisionCache {
  private entries = new Map<string, PolicyDecision>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 100_000) {}

  /**
   * `withName` false when no rule looks at names for the request's verb and resource
   * (RbacPolicy.namesMatter): one entry then serves every object's name.
   */
  static keyOf(attrs: RequestAttributes, withName = true): string {
    const u = attrs.user;
    return `${u.name}\0${u.groups.join('\x01')}\0${attrs.verb}\0${attrs.apiGroup}\0${attrs.resource}\0${attrs.subresource}\0${attrs.namespace}\0${withName ? attrs.name : ''}`;
  }

  get(key: string): PolicyDecision | undefined {
    const hit = this.entries.get(key);
    if (hit) this.hits++;
    else this.misses++;
    return hit;
  }

  set(key: string, decision: PolicyDecision): void {
    if (this.entries.size >= this.capacity) this.entries = new Map();
    this.entries.set(key, decision);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries = new Map();
  }
}
