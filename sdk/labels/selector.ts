/**
 * A label selector: a conjunction of requirements on an object's labels, as in
 * Kubernetes (k8s.io/apimachinery/pkg/labels). Selectors are plain immutable data;
 * build them with `parse`, `fromLabelSelector`, `fromSet` or `newRequirement`.
 */
import { ApiError } from '../errors.js';
import { quoteRaw } from '../truncate.js';
import { isQualifiedName, isValidLabelValue } from './validation.js';

export type Operator =
  | 'Exists'
  | 'DoesNotExist'
  | 'Equals'
  | 'NotEquals'
  | 'In'
  | 'NotIn'
  | 'GreaterThan'
  | 'LessThan';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Sorted and without duplicates; empty for Exists and DoesNotExist. */
  readonly values: readonly string[];
}

export interface Selector {
  /** Sorted by key; every requirement must hold. */
  readonly requirements: readonly Requirement[];
  /**
   * True only for the selector that matches no object at all: what an absent
   * LabelSelector means (a controller with no selector must adopt nothing).
   */
  readonly matchesNothing: boolean;
}

export type Labels = Readonly<Record<string, string>>;

const everythingSelector: Selector = Object.freeze({
  requirements: Object.freeze([]),
  matchesNothing: false,
});
const nothingSelector: Selector = Object.freeze({ requirements: Object.freeze([]), matchesNothing: true });

/** The selector that matches every object (the empty string). */
export function everything(): Selector {
  return everythingSelector;
}

/** The selector that matches no object. */
export function nothing(): Selector {
  return nothingSelector;
}

/** Problems with a requirement, in words; empty when it is valid. */
export function requirementErrors(key: string, operator: Operator, values: readonly string[]): string[] {
  const errs = isQualifiedName(key).map((msg) => `key ${quoteRaw(key)}: ${msg}`);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push("for 'in', 'notin' operators, values set can't be empty");
      break;
    case 'Equals':
    case 'NotEquals':
      if (values.length !== 1) errs.push('exact-match compatibility requires one single value');
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) errs.push('values set must be empty for exists and does not exist');
      break;
    case 'GreaterThan':
    case 'LessThan':
      if (values.length !== 1) errs.push("for 'Gt', 'Lt' operators, exactly one value is required");
      for (const v of values) {
        if (!/^[+-]?[0-9]+$/.test(v))
          errs.push(`for 'Gt', 'Lt' operators, the value must be an integer: ${quoteRaw(v)}`);
      }
      break;
  }
  for (const v of values) {
    errs.push(...isValidLabelValue(v).map((msg) => `value ${quoteRaw(v)}: ${msg}`));
  }
  return errs;
}

/** A validated requirement; throws an INVALID_ARGUMENT ApiError naming every problem. */
export function newRequirement(key: string, operator: Operator, values: readonly string[] = []): Requirement {
  const errs = requirementErrors(key, operator, values);
  if (errs.length > 0) throw ApiError.invalid(`invalid label requirement: ${errs.join('; ')}`);
  return Object.freeze({ key, operator, values: Object.freeze([...new Set(values)].sort()) });
}

/** A selector from requirements, sorted by key so that equal selectors print the same. */
export function fromRequirements(requirements: readonly Requirement[]): Selector {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return Object.freeze({ requirements: Object.freeze(sorted), matchesNothing: false });
}

/** The selector `k1=v1,k2=v2` requiring every label of the set (the keys and values are validated). */
export function fromSet(labels: Labels): Selector {
  return fromRequirements(Object.entries(labels).map(([k, v]) => newRequirement(k, 'Equals', [v])));
}

/** True for the selector that matches everything. */
export function isEmpty(selector: Selector): boolean {
  return !selector.matchesNothing && selector.requirements.length === 0;
}

export function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Equals':
    case 'In':
      return value !== undefined && r.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      // As in Kubernetes, an absent label is "not equal" to every value.
      return value === undefined || !r.values.includes(value);
    case 'GreaterThan':
    case 'LessThan': {
      const actual = parseInteger(value);
      const bound = parseInteger(r.values[0]);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'GreaterThan' ? actual > bound : actual < bound;
    }
  }
}

function parseInteger(value: string | undefined): bigint | undefined {
  return value !== undefined && /^[+-]?[0-9]+$/.test(value) ? BigInt(value) : undefined;
}

/** Whether labels (an object's `metadata.labels`) satisfy every requirement of the selector. */
export function matches(selector: Selector, labels: Labels | undefined): boolean {
  if (selector.matchesNothing) return false;
  const set = labels ?? {};
  return selector.requirements.every((r) => requirementMatches(r, set));
}

export function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Equals':
      return `${r.key}=${r.values[0] ?? ''}`;
    case 'NotEquals':
      return `${r.key}!=${r.values[0] ?? ''}`;
    case 'In':
      return `${r.key} in (${r.values.join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'GreaterThan':
      return `${r.key}>${r.values[0] ?? ''}`;
    case 'LessThan':
      return `${r.key}<${r.values[0] ?? ''}`;
  }
}

/**
 * The selector in Kubernetes string syntax; `parse(selectorToString(s))` gives back `s`.
 * Both "everything" and "nothing" print as the empty string, as in Kubernetes:
 * "nothing" cannot be written down.
 */
export function selectorToString(selector: Selector): string {
  return selector.requirements.map(requirementToString).join(',');
}
