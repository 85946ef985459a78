/**
 * Resource lists (`{cpu: 500m, memory: 128Mi}`): their names, their
 * quantities, and the rule that a container requests no more than its limit.
 * Shared by Pods, LimitRanges, ResourceQuotas and Node status.
 */
import type { ResourceRequirements } from '../../../sdk/gen/wheelhouse/core/v1/container.js';
import type { Quantity } from '../../../sdk/quantity.js';
import { tryParseQuantity } from '../../../sdk/resources/quantity-cache.js';
import { type ErrorList, invalid } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { validateQualifiedName } from '../../validation/names.js';

export type ResourceList = Readonly<Record<string, string>>;

/** Names Kubernetes knows without a domain; anything else is an extended resource (`example.com/gpu`). */
const standardResources: ReadonlySet<string> = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'storage',
  'pods',
]);

/** Quota adds object counts and request/limit totals to the names it caps. */
const quotaPrefixes = ['requests.', 'limits.', 'count/'];
const quotaResources: ReadonlySet<string> = new Set([
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

function sortedEntries(list: ResourceList | undefined): [string, string][] {
  return Object.entries(list ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export type ResourceNameRule = 'container' | 'quota';

/** `cpu`, `memory`, `hugepages-2Mi` or a domain-prefixed extended resource. */
export function validateResourceName(name: string, path: FieldPath, rule: ResourceNameRule): ErrorList {
  if (standardResources.has(name) || name.startsWith('hugepages-')) return [];
  if (rule === 'quota') {
    if (quotaResources.has(name)) return [];
    const prefix = quotaPrefixes.find((p) => name.startsWith(p));
    if (prefix)
      return prefix === 'count/' ? [] : validateResourceName(name.slice(prefix.length), path, 'container');
  }
  const errs = validateQualifiedName(name, path);
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    return [
      invalid(
        path,
        name,
        'must be a standard resource type (cpu, memory, ephemeral-storage, hugepages-<size>) or fully qualified (example.com/name)',
      ),
    ];
  }
  return [];
}

/** Parses a quantity for validation: undefined (with an error pushed) when it does not parse. */
export function parseQuantityAt(value: string, path: FieldPath, errs: ErrorList): Quantity | undefined {
  const parsed = tryParseQuantity(value);
  if (!parsed.ok) {
    errs.push(
      invalid(
        path,
        value,
        `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${parsed.reason}`,
      ),
    );
    return undefined;
  }
  return parsed.quantity;
}

/** Every entry named validly with a non-negative quantity; returns the parsed quantities by name. */
export function validateResourceList(
  list: ResourceList | undefined,
  path: FieldPath,
  errs: ErrorList,
  rule: ResourceNameRule = 'container',
): Map<string, Quantity> {
  const parsed = new Map<string, Quantity>();
  for (const [name, value] of sortedEntries(list)) {
    const entryPath = path.key(name);
    errs.push(...validateResourceName(name, entryPath, rule));
    const q = parseQuantityAt(value, entryPath, errs);
    if (q === undefined) continue;
    if (q.sign() < 0) {
      errs.push(invalid(entryPath, value, 'must be greater than or equal to 0'));
      continue;
    }
    // Kubernetes refuses fractional CPU below a millicore and fractional bytes: they cannot be enforced.
    if (name === 'memory' || name.startsWith('hugepages-') || name === 'ephemeral-storage') {
      if (q.nanos % 1_000_000_000n !== 0n) errs.push(invalid(entryPath, value, 'must be an integer'));
    }
    parsed.set(name, q);
  }
  return parsed;
}

/** Quantities parse and every request is at most its limit. */
export function validateResourceRequirements(
  resources: ResourceRequirements | undefined,
  path: FieldPath,
): ErrorList {
  if (!resources) return [];
  const errs: ErrorList = [];
  const limits = validateResourceList(resources.limits, path.child('limits'), errs);
  const requests = validateResourceList(resources.requests, path.child('requests'), errs);
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    if (limit !== undefined && request.cmp(limit) > 0) {
      errs.push(
        invalid(
          path.child('requests').key(name),
          resources.requests[name],
          `must be less than or equal to ${name} limit of ${resources.limits[name]}`,
        ),
      );
    }
  }
  return errs;
}
