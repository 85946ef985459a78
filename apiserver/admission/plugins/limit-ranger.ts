/**
 * LimitRanger: the LimitRange objects of a Pod's namespace fill in container requests
 * and limits the Pod leaves out (mutating phase), then bound them (validating phase):
 * min, max and maxLimitRequestRatio per Container and per Pod. Every violation is listed,
 * each with its field path. Only new Pods are checked, as in Kubernetes.
 */
import { ResourceRequirements } from '../../../sdk/gen/wheelhouse/core/v1/container.js';
import type { LimitRange, LimitRangeItem } from '../../../sdk/gen/wheelhouse/core/v1/limit_range.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { StatusCause } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Quantity } from '../../../sdk/quantity.js';
import {
  containersOf,
  parseList,
  podTotal,
  type ResourceList,
} from '../../../sdk/resources/resource-list.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import { forbidden } from './forbidden.js';

export const limitRangerAnnotation = 'kubernetes.io/limit-ranger';

/** The LimitRanges of a namespace. */
export type LimitRangeLookup = (namespace: string) => Promise<LimitRange[]>;

interface Violation {
  field: string;
  message: string;
}

function podOf(attrs: AdmissionAttributes): Pod | undefined {
  if (attrs.info.kind !== 'Pod' || attrs.operation !== 'CREATE' || attrs.subresource !== '') return undefined;
  const pod = attrs.object as Pod | undefined;
  return pod?.spec ? pod : undefined;
}

function itemsOf(ranges: readonly LimitRange[], type: string): LimitRangeItem[] {
  return ranges.flatMap((r) => r.spec?.limits ?? []).filter((item) => item.type === type);
}

/** Fills in what the container leaves out; returns what was set, for the annotation. */
function applyDefaults(pod: Pod, items: readonly LimitRangeItem[]): string[] {
  const notes: string[] = [];
  for (const { container } of containersOf(pod.spec!)) {
    const set = { requests: [] as string[], limits: [] as string[] };
    container.resources ??= ResourceRequirements.create();
    const resources = container.resources;
    for (const item of items) {
      for (const [name, value] of Object.entries(item.default)) {
        if (!Object.hasOwn(resources.limits, name)) {
          resources.limits[name] = value;
          set.limits.push(name);
        }
      }
      for (const [name, value] of Object.entries(item.defaultRequest)) {
        if (!Object.hasOwn(resources.requests, name)) {
          resources.requests[name] = value;
          set.requests.push(name);
        }
      }
    }
    if (set.requests.length > 0)
      notes.push(`${set.requests.join(', ')} request for container ${container.name}`);
    if (set.limits.length > 0) notes.push(`${set.limits.join(', ')} limit for container ${container.name}`);
  }
  return notes;
}

/** The checks of one item against one request/limit pair, in Kubernetes' words. */
function check(
  item: LimitRangeItem,
  type: string,
  requests: ResourceList,
  limits: ResourceList,
  path: string,
  out: Violation[],
): void {
  const at = (side: string, name: string) => `${path}.${side}.${name}`;
  for (const [name, min] of parseList(item.min)) {
    const req = requests.get(name);
    const lim = limits.get(name);
    if (req === undefined) {
      out.push({
        field: at('requests', name),
        message: `minimum ${name} usage per ${type} is ${min}. No request is specified`,
      });
    } else if (req.cmp(min) < 0) {
      out.push({
        field: at('requests', name),
        message: `minimum ${name} usage per ${type} is ${min}, but request is ${req}`,
      });
    }
    if (lim !== undefined && lim.cmp(min) < 0) {
      out.push({
        field: at('limits', name),
        message: `minimum ${name} usage per ${type} is ${min}, but limit is ${lim}`,
      });
    }
  }
  for (const [name, max] of parseList(item.max)) {
    const req = requests.get(name);
    const lim = limits.get(name);
    if (lim === undefined) {
      out.push({
        field: at('limits', name),
        message: `maximum ${name} usage per ${type} is ${max}. No limit is specified`,
      });
    } else if (lim.cmp(max) > 0) {
      out.push({
        field: at('limits', name),
        message: `maximum ${name} usage per ${type} is ${max}, but limit is ${lim}`,
      });
    }
    if (req !== undefined && req.cmp(max) > 0) {
      out.push({
        field: at('requests', name),
        message: `maximum ${name} usage per ${type} is ${max}, but request is ${req}`,
      });
    }
  }
  for (const [name, ratio] of parseList(item.maxLimitRequestRatio)) {
    const req = requests.get(name);
    const lim = limits.get(name);
    const prefix = `${name} max limit to request ratio per ${type} is ${ratio}`;
    if (req === undefined || req.isZero()) {
      out.push({
        field: at('requests', name),
        message: `${prefix}, but no request is specified or request is 0`,
      });
    } else if (lim === undefined || lim.isZero()) {
      out.push({ field: at('limits', name), message: `${prefix}, but no limit is specified or limit is 0` });
    } else if (exceedsRatio(lim, req, ratio)) {
      const observed = Number(lim.nanos) / Number(req.nanos);
      out.push({
        field: at('limits', name),
        message: `${prefix}, but provided ratio is ${observed.toFixed(6)}`,
      });
    }
  }
}

/** lim / req > ratio, exactly: lim × 10⁹ > ratio × req (all in nanos). */
function exceedsRatio(lim: Quantity, req: Quantity, ratio: Quantity): boolean {
  return lim.nanos * 1_000_000_000n > ratio.nanos * req.nanos;
}

/** Every violation of the namespace's limits by this pod. */
export function limitViolations(pod: Pod, ranges: readonly LimitRange[]): Violation[] {
  const spec = pod.spec!;
  const out: Violation[] = [];
  for (const item of itemsOf(ranges, 'Container')) {
    for (const { container, path } of containersOf(spec)) {
      check(
        item,
        'Container',
        parseList(container.resources?.requests),
        parseList(container.resources?.limits),
        `${path}.resources`,
        out,
      );
    }
  }
  for (const item of itemsOf(ranges, 'Pod')) {
    check(item, 'Pod', podTotal(spec, 'requests'), podTotal(spec, 'limits'), 'spec.resources', out);
  }
  return out;
}

export function limitRanger(lookup: LimitRangeLookup): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    async admit(attrs) {
      const pod = podOf(attrs);
      if (!pod) return;
      const items = itemsOf(await lookup(attrs.namespace), 'Container');
      if (items.length === 0) return;
      const notes = applyDefaults(pod, items);
      if (notes.length > 0) {
        pod.metadata!.annotations[limitRangerAnnotation] = `LimitRanger plugin set: ${notes.join('; ')}`;
      }
    },
    async validate(attrs) {
      const pod = podOf(attrs);
      if (!pod) return;
      const ranges = await lookup(attrs.namespace);
      if (ranges.length === 0) return;
      const violations = limitViolations(pod, ranges);
      if (violations.length === 0) return;
      const causes: StatusCause[] = violations.map((v) => ({
        field: v.field,
        reason: 'FieldValueForbidden',
        message: v.message,
      }));
      throw forbidden(attrs, `[${violations.map((v) => `${v.field}: ${v.message}`).join(', ')}]`, causes);
    },
  };
}
