/**
 * Field selectors, as in Kubernetes (k8s.io/apimachinery/pkg/fields): a
 * comma-separated conjunction of `field=value`, `field==value` and
 * `field!=value`. Values may contain `,`, `=` and `\` only escaped with a
 * backslash. Which fields can be selected on is up to each kind (see
 * supported-fields.ts); this file knows only the syntax and the matching.
 */
import { ApiError } from '../errors.js';
import { quoteRaw } from '../truncate.js';

export type FieldOperator = 'Equals' | 'NotEquals';

export interface FieldRequirement {
  /** A field path such as `metadata.name` or `spec.nodeName`. */
  readonly field: string;
  readonly operator: FieldOperator;
  /** Unescaped; may be empty (`spec.nodeName=` selects unscheduled pods). */
  readonly value: string;
}

export interface FieldSelector {
  /** Sorted by field, then operator and value; every requirement must hold. */
  readonly requirements: readonly FieldRequirement[];
}

/** Reads a field of one object; undefined (an absent field) compares as the empty string, as in Kubernetes. */
export type GetField = (path: string) => string | undefined;

function invalid(input: string, detail: string): ApiError {
  return ApiError.invalid(`invalid field selector ${quoteRaw(input)}: ${detail}`);
}

/** Splits on commas that are not escaped, keeping the escapes for unescapeValue. */
function splitTerms(input: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '\\') i++;
    else if (input[i] === ',') {
      terms.push(input.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(input.slice(start));
  return terms;
}

const operators: readonly [string, FieldOperator][] = [
  ['!=', 'NotEquals'],
  ['==', 'Equals'],
  ['=', 'Equals'],
];

/** The first unescaped operator splits a term into field and value. */
function splitTerm(term: string): [field: string, op: FieldOperator, rawValue: string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const [symbol, op] of operators) {
      if (term.startsWith(symbol, i)) return [term.slice(0, i), op, term.slice(i + symbol.length)];
    }
  }
  return undefined;
}

function unescapeValue(input: string, raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] ?? '';
    if (ch === '\\') {
      const escaped = raw[i + 1];
      if (escaped !== '\\' && escaped !== ',' && escaped !== '=') {
        throw invalid(
          input,
          `invalid escape sequence in value ${quoteRaw(raw)}: only \\\\, \\, and \\= are allowed`,
        );
      }
      out += escaped;
      i++;
    } else if (ch === '=' || ch === ',') {
      throw invalid(input, `unescaped '${ch}' in value ${quoteRaw(raw)}: write it as \\${ch}`);
    } else {
      out += ch;
    }
  }
  return out;
}

export function escapeValue(value: string): string {
  return value.replace(/[\\,=]/g, (ch) => `\\${ch}`);
}

function compareRequirements(a: FieldRequirement, b: FieldRequirement): number {
  const ka = `${a.field}\0${a.operator}\0${a.value}`;
  const kb = `${b.field}\0${b.operator}\0${b.value}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Parses `status.phase=Running,spec.nodeName!=` into a FieldSelector. The empty
 * string selects everything. Spaces around fields and values are ignored. Throws
 * an INVALID_ARGUMENT ApiError.
 */
export function parseFieldSelector(input: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const rawTerm of splitTerms(input)) {
    const term = rawTerm.trim();
    if (term === '') continue;
    const split = splitTerm(term);
    if (split === undefined) {
      throw invalid(
        input,
        `can't understand ${quoteRaw(term)}: expected field=value, field==value or field!=value`,
      );
    }
    const [field, operator, rawValue] = split;
    if (field.trim() === '') throw invalid(input, `missing field name in ${quoteRaw(term)}`);
    requirements.push({ field: field.trim(), operator, value: unescapeValue(input, rawValue.trim()) });
  }
  return { requirements: requirements.sort(compareRequirements) };
}

/** The selector that matches everything. */
export function everythingFields(): FieldSelector {
  return { requirements: [] };
}

export function isEmptyFieldSelector(selector: FieldSelector): boolean {
  return selector.requirements.length === 0;
}

/** Whether an object, seen through getField, satisfies every requirement. */
export function matchesFields(selector: FieldSelector, getField: GetField): boolean {
  return selector.requirements.every((r) => {
    const actual = getField(r.field) ?? '';
    return r.operator === 'Equals' ? actual === r.value : actual !== r.value;
  });
}

/** The selector in its canonical string form; parsing it gives back the same selector. */
export function fieldSelectorToString(selector: FieldSelector): string {
  return selector.requirements
    .map((r) => `${r.field}${r.operator === 'Equals' ? '=' : '!='}${escapeValue(r.value)}`)
    .join(',');
}

/** The value that `field=value` requires, if the selector has such a term (e.g. `spec.nodeName`). */
export function requiredValue(selector: FieldSelector, field: string): string | undefined {
  return selector.requirements.find((r) => r.field === field && r.operator === 'Equals')?.value;
}
