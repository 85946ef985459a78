/**
 * The rules of `create role` and `create clusterrole`, built as kubectl builds them:
 * `--resource` is `resource[.group][/subresource]`, and one rule per API group (in
 * group order) carries every resource of that group with all the verbs and names.
 */
import type { Json, JsonObject } from '../../../../sdk/manifest/decode.js';
import { UsageError } from '../../usage-error.js';
import { type FlagValues, listOf } from './generator.js';

const RESOURCE_VERBS = [
  '*',
  'get',
  'delete',
  'list',
  'create',
  'update',
  'patch',
  'watch',
  'proxy',
  'deletecollection',
  'use',
  'bind',
  'escalate',
  'impersonate',
];
const NON_RESOURCE_VERBS = ['*', 'get', 'post', 'put', 'delete', 'patch', 'head', 'options'];

export const ruleFlags = {
  verb: { type: 'string', multiple: true },
  resource: { type: 'string', multiple: true },
  'resource-name': { type: 'string', multiple: true },
} as const;

export const RULE_HELP = `      --verb VERB              verbs the rule allows: get, list, watch, create, update, patch,
                               delete, deletecollection, ... or * (repeatable, or comma-separated)
      --resource RESOURCE      resource[.group][/subresource], e.g. pods, deployments.apps, pods/log
      --resource-name NAME     only these objects (repeatable)
`;

/** Comma-separated and repeated values, as kubectl's string slices read them. */
export function splitList(value: FlagValues[string]): string[] {
  return listOf(value)
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
}

export function resourceRules(values: FlagValues, required: boolean): JsonObject[] {
  const verbs = splitList(values.verb);
  const resources = splitList(values.resource);
  const names = splitList(values['resource-name']);
  if (resources.length === 0) {
    if (required) throw new UsageError('at least one resource must be specified');
    if (names.length > 0) throw new UsageError('resource name(s) are given without any resource');
    return [];
  }
  if (verbs.length === 0) throw new UsageError('at least one verb must be specified');
  for (const verb of verbs) {
    if (!RESOURCE_VERBS.includes(verb)) throw new UsageError(`invalid verb: '${verb}'`);
  }
  const byGroup = new Map<string, string[]>();
  for (const text of resources) {
    const [path = '', sub] = text.split(/\/(.*)/s);
    const dot = path.indexOf('.');
    const resource = dot < 0 ? path : path.slice(0, dot);
    const group = dot < 0 ? '' : path.slice(dot + 1);
    if (resource === '') throw new UsageError(`invalid resource: '${text}'`);
    const list = byGroup.get(group) ?? [];
    list.push(sub ? `${resource}/${sub}` : resource);
    byGroup.set(group, list);
  }
  return [...byGroup.keys()].sort().map((group) => ({
    verbs: verbs as Json[],
    apiGroups: [group],
    resources: byGroup.get(group) as Json[],
    ...(names.length > 0 ? { resourceNames: names } : {}),
  }));
}

export function nonResourceRule(values: FlagValues, urls: string[]): JsonObject[] {
  if (urls.length === 0) return [];
  const verbs = splitList(values.verb);
  if (verbs.length === 0) throw new UsageError('at least one verb must be specified');
  const allowed = verbs.filter((v) => NON_RESOURCE_VERBS.includes(v));
  const rejected = verbs.filter((v) => !RESOURCE_VERBS.includes(v) && !NON_RESOURCE_VERBS.includes(v));
  if (rejected.length > 0) throw new UsageError(`invalid verb: '${rejected[0]}' for nonResourceURL`);
  for (const url of urls) {
    if (!url.startsWith('/'))
      throw new UsageError(`'${url}' is not a valid non-resource URL: it must begin with /`);
  }
  if (allowed.length === 0)
    throw new UsageError('no verb given applies to non-resource URLs (get, post, put, ...)');
  return [{ verbs: allowed, nonResourceURLs: urls }];
}
