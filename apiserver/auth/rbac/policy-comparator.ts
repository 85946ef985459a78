/**
 * Whether one set of RBAC rules holds every permission of another: the comparison
 * behind the escalation check (a Role may only grant what its author holds). It
 * follows Kubernetes' pkg/registry/rbac/validation/policy_comparator.go: each rule
 * asked for is broken down into atomic rules (one verb, one group, one resource, one
 * name; or one verb on one URL), and each atomic rule must be covered by some rule
 * held. `*` covers everything of its field; `*\/scale` covers the scale subresource of
 * every resource; `pods` does not cover `pods/log`; a rule without resourceNames covers
 * every name; a URL ending in `*` covers the paths it prefixes.
 */
import type { PolicyRule } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';

const ALL = '*';

function rule(fields: Partial<PolicyRule>): PolicyRule {
  return { verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceUrls: [], ...fields };
}

/** Every permission there is: what a ClusterRole with an aggregationRule may come to hold. */
export const fullAuthority: readonly PolicyRule[] = [
  rule({ verbs: [ALL], apiGroups: [ALL], resources: [ALL] }),
  rule({ verbs: [ALL], nonResourceUrls: [ALL] }),
];

/** One rule per group × resource × verb (× name), and per URL × verb. */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const apiGroup of r.apiGroups) {
    for (const resource of r.resources) {
      for (const verb of r.verbs) {
        if (r.resourceNames.length === 0) {
          out.push(rule({ verbs: [verb], apiGroups: [apiGroup], resources: [resource] }));
        } else {
          for (const name of r.resourceNames) {
            out.push(
              rule({ verbs: [verb], apiGroups: [apiGroup], resources: [resource], resourceNames: [name] }),
            );
          }
        }
      }
    }
  }
  for (const url of r.nonResourceUrls) {
    for (const verb of r.verbs) out.push(rule({ verbs: [verb], nonResourceUrls: [url] }));
  }
  return out;
}

function hasAll(set: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => set.includes(w));
}

function resourcesCover(held: readonly string[], wanted: readonly string[]): boolean {
  if (held.includes(ALL)) return true;
  return wanted.every((path) => {
    if (held.includes(path)) return true;
    const slash = path.indexOf('/');
    // A resource is covered only by itself or `*`; a subresource also by `*\/<sub>`.
    return slash >= 0 && held.includes(`*/${path.slice(slash + 1)}`);
  });
}

function urlCovers(held: string, path: string): boolean {
  if (held === path) return true;
  return held.endsWith(ALL) && path.startsWith(held.replace(/\*+$/, ''));
}

function urlsCover(held: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((path) => held.some((h) => urlCovers(h, path)));
}

/** Whether `owner` alone grants everything `sub` grants. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes(ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = owner.apiGroups.includes(ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources, sub.resources);
  const urls = urlsCover(owner.nonResourceUrls, sub.nonResourceUrls);
  const names =
    owner.resourceNames.length === 0 ||
    (sub.resourceNames.length > 0 && hasAll(owner.resourceNames, sub.resourceNames));
  return verbs && groups && resources && urls && names;
}

/** The atomic rules of `wanted` that no rule of `held` covers; empty when `held` covers them all. */
export function uncoveredRules(held: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const r of wanted) {
    for (const atom of breakdownRule(r)) {
      if (!held.some((h) => ruleCovers(h, atom))) missing.push(atom);
    }
  }
  return missing;
}

/** A rule as Kubernetes prints it in escalation errors: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function describeRule(r: PolicyRule): string {
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const parts: string[] = [];
  if (r.apiGroups.length > 0 || r.resources.length > 0) parts.push(`APIGroups:${list(r.apiGroups)}`);
  if (r.resources.length > 0) parts.push(`Resources:${list(r.resources)}`);
  if (r.resourceNames.length > 0) parts.push(`ResourceNames:${list(r.resourceNames)}`);
  if (r.nonResourceUrls.length > 0) parts.push(`NonResourceURLs:${list(r.nonResourceUrls)}`);
  parts.push(`Verbs:${list(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
