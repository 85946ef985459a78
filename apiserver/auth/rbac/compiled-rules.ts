/**
 * A role's rules compiled once into sets, so that checking a request against a role
 * costs a few hash lookups per rule instead of array scans. Matching follows
 * Kubernetes' RBAC (pkg/apis/rbac/v1/evaluation_helpers.go): `*` matches every verb,
 * group or resource (subresources included); `*\/scale` matches the scale subresource of
 * any resource; resourceNames, when given, match only requests that name an object.
 */
import type { PolicyRule } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';

/** What a resource request asks, in the terms rules are written in. */
export interface ResourceRequest {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  /** '' when the request is on the object itself. */
  readonly subresource: string;
  /** '' for list, watch, create and collection requests. */
  readonly name: string;
}

interface CompiledRule {
  /** undefined: every value (`*`). */
  readonly verbs: ReadonlySet<string> | undefined;
  readonly groups: ReadonlySet<string> | undefined;
  /** undefined: every resource and subresource. Else exact `resource` or `resource/sub` entries. */
  readonly resources: ReadonlySet<string> | undefined;
  /** Subresources granted on every resource (`*\/scale` → `scale`). */
  readonly anySubresource: ReadonlySet<string>;
  /** Empty: every name. */
  readonly names: ReadonlySet<string>;
  readonly urls: readonly string[];
}

const ALL = '*';

function setOrAll(values: readonly string[]): ReadonlySet<string> | undefined {
  return values.includes(ALL) ? undefined : new Set(values);
}

function compileRule(rule: PolicyRule): CompiledRule {
  const anySubresource = new Set<string>();
  for (const r of rule.resources) if (r.startsWith('*/')) anySubresource.add(r.slice(2));
  return {
    verbs: setOrAll(rule.verbs),
    groups: setOrAll(rule.apiGroups),
    resources: setOrAll(rule.resources),
    anySubresource,
    names: new Set(rule.resourceNames),
    urls: rule.nonResourceUrls,
  };
}

/** `combined` is `resource` or `resource/subresource`. */
function matchesBesidesName(
  rule: CompiledRule,
  req: Omit<ResourceRequest, 'name'>,
  combined: string,
): boolean {
  if (rule.verbs && !rule.verbs.has(req.verb)) return false;
  if (rule.groups && !rule.groups.has(req.apiGroup)) return false;
  return (
    !rule.resources ||
    rule.resources.has(combined) ||
    (req.subresource !== '' && rule.anySubresource.has(req.subresource))
  );
}

export class CompiledRules {
  private readonly rules: readonly CompiledRule[];

  constructor(rules: readonly PolicyRule[]) {
    this.rules = rules.map(compileRule);
  }

  get size(): number {
    return this.rules.length;
  }

  /** Whether any rule grants the request. */
  allows(req: ResourceRequest): boolean {
    const combined = req.subresource === '' ? req.resource : `${req.resource}/${req.subresource}`;
    for (const rule of this.rules) {
      if (!matchesBesidesName(rule, req, combined)) continue;
      if (rule.names.size > 0 && !rule.names.has(req.name)) continue;
      return true;
    }
    return false;
  }

  /**
   * Whether the object's name can change what allows() answers for requests like `req`:
   * only a rule with resourceNames that matches the verb, group and resource looks at it.
   */
  namesMatter(req: Omit<ResourceRequest, 'name'>): boolean {
    const combined = req.subresource === '' ? req.resource : `${req.resource}/${req.subresource}`;
    for (const rule of this.rules)
      if (rule.names.size > 0 && matchesBesidesName(rule, req, combined)) return true;
    return false;
  }

  /** Whether any rule grants `verb` on a non-resource path (`/healthz`; a trailing `*` in a rule matches a prefix). */
  allowsNonResource(verb: string, path: string): boolean {
    for (const rule of this.rules) {
      if (rule.urls.length === 0) continue;
      if (rule.verbs && !rule.verbs.has(verb)) continue;
      for (const url of rule.urls) {
        if (url === ALL || url === path) return true;
        if (url.endsWith('*') && path.startsWith(url.slice(0, -1))) return true;
      }
    }
    return false;
  }
}
