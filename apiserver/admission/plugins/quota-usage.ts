/**
 * What an object costs against a ResourceQuota, as Kubernetes' quota evaluators count:
 * every object counts once as `count/<resource>[.<group>]` (and the core kinds with a
 * legacy name, such as `configmaps`, under that name too); a Pod that has not finished
 * also counts as `pods` and with its compute requests and limits (`requests.cpu` and its
 * short form `cpu`, `limits.memory`, ...).
 */
import type { Pod, PodSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { Quantity } from '../../../sdk/quantity.js';
import { qosClassOf } from '../../../sdk/resources/qos.js';
import { containersOf, podTotal, type ResourceList } from '../../../sdk/resources/resource-list.js';

/** Core kinds counted under their plain resource name as well as `count/...`. */
const legacyCountNames = new Set(['pods', 'configmaps', 'secrets', 'resourcequotas', 'services']);

/** Resources whose request may be quoted without the `requests.` prefix. */
const shortRequestNames = new Set(['cpu', 'memory', 'ephemeral-storage']);

const one = Quantity.fromValue(1);

export function countName(info: KindInfo): string {
  return info.apiGroup === '' ? `count/${info.resource}` : `count/${info.resource}.${info.apiGroup}`;
}

/** Whether a pod still uses what it asked for: not finished, and not past its deletion grace period. */
function podIsActive(pod: Pod, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const deletion = pod.metadata?.deletionTimestamp;
  return deletion === undefined || deletion.getTime() > now.getTime();
}

function podComputeUsage(spec: PodSpec, into: ResourceList): void {
  for (const [name, q] of podTotal(spec, 'requests')) {
    into.set(`requests.${name}`, q);
    if (shortRequestNames.has(name)) into.set(name, q);
  }
  for (const [name, q] of podTotal(spec, 'limits')) into.set(`limits.${name}`, q);
}

/** The object's usage under every name a quota may use. */
export function usageOf(info: KindInfo, obj: KindObject, now: Date): ResourceList {
  const usage: ResourceList = new Map([[countName(info), one]]);
  if (info.kind === 'Pod') {
    const pod = obj as Pod;
    if (!podIsActive(pod, now)) return usage;
    usage.set('pods', one);
    if (pod.spec) podComputeUsage(pod.spec, usage);
    return usage;
  }
  if (info.apiGroup === '' && legacyCountNames.has(info.resource)) usage.set(info.resource, one);
  return usage;
}

/** Whether a quota tracks anything this kind can use: the kinds a recount must look at. */
export function kindIsTracked(info: KindInfo, hard: Readonly<Record<string, string>>): boolean {
  return Object.keys(hard).some((name) => {
    if (name === countName(info)) return true;
    if (info.apiGroup === '' && name === info.resource && legacyCountNames.has(name)) return true;
    if (info.kind !== 'Pod') return false;
    return name.startsWith('requests.') || name.startsWith('limits.') || shortRequestNames.has(name);
  });
}

function scopeMatches(
  scope: string,
  info: KindInfo,
  obj: KindObject,
  op = 'Exists',
  values: string[] = [],
): boolean {
  if (info.kind !== 'Pod') return false;
  const spec = (obj as Pod).spec;
  switch (scope) {
    case 'Terminating':
      return spec?.activeDeadlineSeconds !== undefined;
    case 'NotTerminating':
      return spec?.activeDeadlineSeconds === undefined;
    case 'BestEffort':
      return qosClassOf(spec) === 'BestEffort';
    case 'NotBestEffort':
      return qosClassOf(spec) !== 'BestEffort';
    case 'PriorityClass': {
      const cls = spec?.priorityClassName ?? '';
      if (op === 'Exists') return cls !== '';
      if (op === 'DoesNotExist') return cls === '';
      if (op === 'In') return values.includes(cls);
      if (op === 'NotIn') return !values.includes(cls);
      return false;
    }
    default:
      return false;
  }
}

/** Whether a quota's scopes select this object; a quota without scopes selects everything. */
export function quotaSelects(quota: ResourceQuota, info: KindInfo, obj: KindObject): boolean {
  const scopes = quota.spec?.scopes ?? [];
  const exprs = quota.spec?.scopeSelector?.matchExpressions ?? [];
  return (
    scopes.every((s) => scopeMatches(s, info, obj)) &&
    exprs.every((e) =>
      e.operator === 'DoesNotExist' && e.scopeName !== 'PriorityClass'
        ? !scopeMatches(e.scopeName, info, obj)
        : scopeMatches(e.scopeName, info, obj, e.operator, e.values),
    )
  );
}

/**
 * The compute resources a quota limits that the pod leaves unspecified in some container:
 * Kubernetes refuses such pods rather than count them as free. `requests.cpu` →
 * container names lacking a cpu request.
 */
export function missingCompute(quota: ResourceQuota, pod: Pod): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  if (!pod.spec) return missing;
  for (const name of Object.keys(quota.spec?.hard ?? {})) {
    let side: 'requests' | 'limits' | undefined;
    let resource = name;
    if (name.startsWith('requests.')) {
      side = 'requests';
      resource = name.slice('requests.'.length);
    } else if (name.startsWith('limits.')) {
      side = 'limits';
      resource = name.slice('limits.'.length);
    } else if (shortRequestNames.has(name)) side = 'requests';
    if (!side || !shortRequestNames.has(resource)) continue;
    const lacking = containersOf(pod.spec)
      .map(({ container }) => container)
      .filter((c) => !Object.hasOwn(c.resources?.[side] ?? {}, resource))
      .map((c) => c.name);
    if (lacking.length > 0) missing.set(name, lacking);
  }
  return missing;
}
