import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPercent,
} from './validation.js';

const qualifiedRegexMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end " +
  "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start " +
  "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation " +
  "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

type Check = (value: string) => string[];
const table: [name: string, check: Check, value: string, expected: string[]][] = [
  ['qualified name', isQualifiedName, 'app', []],
  ['qualified name', isQualifiedName, 'My_App.v1', []],
  ['qualified name', isQualifiedName, 'example.com/app', []],
  ['qualified name', isQualifiedName, 'a'.repeat(63), []],
  ['qualified name', isQualifiedName, 'a'.repeat(64), ['name part must be no more than 63 characters']],
  ['qualified name', isQualifiedName, '', ['name part must be non-empty', `name part ${qualifiedRegexMsg}`]],
  ['qualified name', isQualifiedName, '-app', [`name part ${qualifiedRegexMsg}`]],
  ['qualified name', isQualifiedName, '/app', ['prefix part must be non-empty']],
  ['qualified name', isQualifiedName, 'Example.com/app', [`prefix part ${subdomainMsg}`]],
  [
    'qualified name',
    isQualifiedName,
    'a/b/c',
    [
      `a qualified name ${qualifiedRegexMsg} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
  ],
  ['label value', isValidLabelValue, '', []],
  ['label value', isValidLabelValue, 'v1.2_3-x', []],
  ['label value', isValidLabelValue, 'x.', [labelValueMsg]],
  ['label value', isValidLabelValue, `${'a'.repeat(63)}`, []],
  ['label value', isValidLabelValue, `${'a'.repeat(64)}`, ['must be no more than 63 characters']],
  ['label value', isValidLabelValue, 'é', [labelValueMsg]],
  ['dns label', isDns1123Label, 'my-name', []],
  ['dns label', isDns1123Label, '123', []],
  ['dns label', isDns1123Label, 'my.name', ['must not contain dots']],
  ['dns label', isDns1123Label, 'My-name', [labelMsg]],
  ['dns label', isDns1123Label, 'name-', [labelMsg]],
  ['dns label', isDns1123Label, 'a'.repeat(64), ['must be no more than 63 characters']],
  ['dns subdomain', isDns1123Subdomain, 'example.com', []],
  ['dns subdomain', isDns1123Subdomain, 'a'.repeat(253), []],
  ['dns subdomain', isDns1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
  ['dns subdomain', isDns1123Subdomain, 'a..b', [subdomainMsg]],
  ['dns subdomain', isDns1123Subdomain, '', [subdomainMsg]],
  ['percent', isValidPercent, '25%', []],
  [
    'percent',
    isValidPercent,
    '25',
    ["must be a percentage (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"],
  ],
  [
    'percent',
    isValidPercent,
    '-5%',
    ["must be a percentage (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"],
  ],
];

describe('name and value rules', () => {
  for (const [name, check, value, expected] of table) {
    it(`${name} ${JSON.stringify(value.length > 20 ? `${value.slice(0, 8)}…(${value.length})` : value)}`, () => {
      assert.deepEqual(check(value), expected);
    });
  }
});
