/**
 * `--authorization-mode=RBAC`: the Authorizer over the RBAC policy, with the decision
 * cache in front of Casbin. `system:masters` may do everything without a lookup, as in
 * Kubernetes (the group is the cluster's break-glass, not a binding one could delete).
 */
import type { Authorizer, Decision, RequestAttributes, UserInfo } from '../types.js';
import { DecisionCache } from './decision-cache.js';
import type { RbacPolicy } from './rbac-policy.js';

export const SUPERUSER_GROUP = 'system:masters';

export class RbacAuthorizer implements Authorizer {
  readonly cache: DecisionCache;

  constructor(
    readonly policy: RbacPolicy,
    opts: { cacheSize?: number } = {},
  ) {
    this.cache = new DecisionCache(opts.cacheSize);
    policy.onChange(() => this.cache.clear());
  }

  authorize(attrs: RequestAttributes): Decision {
    if (attrs.user.groups.includes(SUPERUSER_GROUP)) {
      return { allowed: true, reason: `allowed: member of group "${SUPERUSER_GROUP}"` };
    }
    const key = DecisionCache.keyOf(attrs, this.policy.namesMatter(attrs));
    const cached = this.cache.get(key);
    if (cached) return cached;
    const decision = this.policy.decide(attrs.user, attrs, attrs.namespace);
    this.cache.set(key, decision);
    return decision;
  }

  /** Non-resource endpoints (`/healthz`, `/metrics`): for access reviews; not cached, they are rare. */
  authorizeNonResource(user: UserInfo, verb: string, path: string): Decision {
    if (user.groups.includes(SUPERUSER_GROUP)) {
      return { allowed: true, reason: `allowed: member of group "${SUPERUSER_GROUP}"` };
    }
    return this.policy.decideNonResource(user, verb, path);
  }
}
