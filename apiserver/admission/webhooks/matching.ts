/**
 * Which requests a webhook is sent, as Kubernetes decides it
 * (k8s.io/apiserver/pkg/admission/plugin/webhook/predicates): any rule must match
 * the operation, group, version, resource/subresource and scope; then the namespace
 * selector must match the labels of the request's namespace and the object selector
 * the labels of the object (new or old).
 */
import type { RuleWithOperations } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/webhook.js';
import type { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { everything, fromLabelSelector, type Labels, matches } from '../../../sdk/labels/index.js';
import type { AdmissionAttributes } from '../types.js';

/** Every kind is served at v1. */
const servedVersion = 'v1';

/** What a rule looks at: a subset of the admission attributes, so rules can be tested alone. */
export type RuleSubject = Pick<AdmissionAttributes, 'operation' | 'info' | 'subresource'>;

export function ruleMatches(rule: RuleWithOperations, req: RuleSubject): boolean {
  const has = (list: readonly string[], value: string) => list.includes('*') || list.includes(value);
  return (
    has(rule.operations, req.operation) &&
    has(rule.apiGroups, req.info.apiGroup) &&
    has(rule.apiVersions, servedVersion) &&
    resourceMatches(rule.resources, req.info.resource, req.subresource) &&
    scopeMatches(rule.scope, req.info.namespaced)
  );
}

export function anyRuleMatches(rules: readonly RuleWithOperations[], req: RuleSubject): boolean {
  return rules.some((rule) => ruleMatches(rule, req));
}

// Entries are `resource[/subresource]`, either part `*`: `pods` is the object only,
// `pods/status` one subresource, `pods/*` the object and every subresource, `*` every
// object without subresources, `*/status` that subresource of every resource and
// `*/*` everything.
function resourceMatches(resources: readonly string[], resource: string, subresource: string): boolean {
  return resources.some((entry) => {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource);
  });
}

function scopeMatches(scope: string | undefined, namespaced: boolean): boolean {
  if (scope === 'Cluster') return !namespaced;
  if (scope === 'Namespaced') return namespaced;
  return true;
}

/** An unset selector matches everything (Kubernetes defaults it to `{}`). */
function selectorOf(ls: LabelSelector | undefined) {
  return ls === undefined ? everything() : fromLabelSelector(ls);
}

/** The object selector matches when either the new or the old object's labels match. */
export function objectSelectorMatches(
  selector: LabelSelector | undefined,
  attrs: AdmissionAttributes,
): boolean {
  const s = selectorOf(selector);
  const candidates = [attrs.object, attrs.oldObject].filter((o) => o !== undefined);
  return candidates.some((o) => matches(s, o.metadata?.labels ?? {}));
}

/** Reads a namespace's labels; undefined when the namespace does not exist. */
export type NamespaceLabels = (name: string) => Promise<Labels | undefined>;

/**
 * The namespace selector applies to namespaced objects (the labels of their namespace)
 * and to Namespaces themselves (their own labels); other cluster-scoped objects always match.
 * A namespace that does not exist yet has no labels.
 */
export async function namespaceSelectorMatches(
  selector: LabelSelector | undefined,
  attrs: AdmissionAttributes,
  namespaceLabels: NamespaceLabels,
): Promise<boolean> {
  if (selector === undefined) return true;
  const s = selectorOf(selector);
  if (attrs.info.kind === 'Namespace') {
    const own = (attrs.object ?? attrs.oldObject)?.metadata?.labels ?? {};
    return matches(s, own);
  }
  if (!attrs.info.namespaced) return true;
  return matches(s, (await namespaceLabels(attrs.namespace)) ?? {});
}
