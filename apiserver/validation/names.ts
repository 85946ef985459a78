/**
 * Validators for object names and for the string fields that follow the same
 * rules (label keys and values, DNS names). The rules and their wording are
 * Kubernetes' (see sdk/labels/validation.ts); these wrap them into field errors.
 */
import {
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from '../../sdk/labels/validation.js';
import { type ErrorList, invalid } from './field-error.js';
import type { FieldPath } from './field-path.js';

/**
 * Checks a name, or with `prefix` a generateName prefix (to which the server
 * appends random characters, so it may end in '-'). Returns messages, empty
 * when valid.
 */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** How a kind's names are checked: most kinds use subdomains, namespaces use labels. */
export type NameRule = 'subdomain' | 'label' | 'dns1035-label' | 'path-segment';

/** A generateName prefix may end in '-': check it as if the server's suffix were already there. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

export const nameIsDnsSubdomain: NameValidator = (name, prefix) =>
  isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);

export const nameIsDnsLabel: NameValidator = (name, prefix) =>
  isDns1123Label(prefix ? maskTrailingDash(name) : name);

/** Service names: they become DNS names whose first character must be a letter. */
export const nameIsDns1035Label: NameValidator = (name, prefix) =>
  isDns1035Label(prefix ? maskTrailingDash(name) : name);

/** What the store takes in a key: printable ASCII without spaces. */
const storeKeyChars = /^[\x21-\x7e]*$/;

/**
 * Names that only need to be usable as one segment of a path (RBAC roles, for instance),
 * and of a store key: printable ASCII without spaces.
 */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs = ['/', '%'].filter((bad) => name.includes(bad)).map((bad) => `may not contain '${bad}'`);
  if (!storeKeyChars.test(name)) errs.push('must consist of printable ASCII characters other than space');
  return errs;
};

export const nameValidators: Readonly<Record<NameRule, NameValidator>> = {
  subdomain: nameIsDnsSubdomain,
  label: nameIsDnsLabel,
  'dns1035-label': nameIsDns1035Label,
  'path-segment': nameIsPathSegment,
};

function each(messages: string[], path: FieldPath, value: string): ErrorList {
  return messages.map((msg) => invalid(path, value, msg));
}

export function validateDnsSubdomain(value: string, path: FieldPath): ErrorList {
  return each(isDns1123Subdomain(value), path, value);
}

export function validateDnsLabel(value: string, path: FieldPath): ErrorList {
  return each(isDns1123Label(value), path, value);
}

/** Label keys, annotation keys, finalizers: `[dns-subdomain/]name`. */
export function validateQualifiedName(value: string, path: FieldPath): ErrorList {
  return each(isQualifiedName(value), path, value);
}

export function validateLabelValue(value: string, path: FieldPath): ErrorList {
  return each(isValidLabelValue(value), path, value);
}
