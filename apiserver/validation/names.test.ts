import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelSelector } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { errorMessage } from './field-error.js';
import { FieldPath } from './field-path.js';
import { validateAnnotations, validateLabelSelector, validateLabels } from './labels.js';
import {
  type NameValidator,
  nameIsDnsLabel,
  nameIsDnsSubdomain,
  nameIsPathSegment,
  validateDnsLabel,
  validateDnsSubdomain,
} from './names.js';

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end " +
  "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const qualifiedMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
  "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start " +
  "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation " +
  "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('name validators', () => {
  const cases: [fn: NameValidator, fnName: string, name: string, prefix: boolean, expected: string[]][] = [
    [nameIsDnsSubdomain, 'subdomain', 'web.example', false, []],
    [nameIsDnsSubdomain, 'subdomain', 'Web', false, [subdomainMsg]],
    [nameIsDnsSubdomain, 'subdomain', 'web-', false, [subdomainMsg]],
    [nameIsDnsSubdomain, 'subdomain', 'web-', true, []],
    [nameIsDnsSubdomain, 'subdomain', 'web.', true, [subdomainMsg]],
    [nameIsDnsSubdomain, 'subdomain', '-', true, [subdomainMsg]],
    [nameIsDnsSubdomain, 'subdomain', 'a'.repeat(254), false, ['must be no more than 253 characters']],
    [nameIsDnsLabel, 'label', 'kube-system', false, []],
    [nameIsDnsLabel, 'label', 'kube.system', false, ['must not contain dots']],
    [nameIsDnsLabel, 'label', 'team-', true, []],
    [nameIsDnsLabel, 'label', 'Team', false, [labelMsg]],
    [nameIsPathSegment, 'path-segment', 'system:controller:x', false, []],
    [nameIsPathSegment, 'path-segment', '..', false, ["may not be '..'"]],
    [nameIsPathSegment, 'path-segment', '.', false, ["may not be '.'"]],
    [nameIsPathSegment, 'path-segment', '.', true, []],
    [nameIsPathSegment, 'path-segment', 'a/b%c', false, ["may not contain '/'", "may not contain '%'"]],
    // The store's keys are printable ASCII without spaces.
    [
      nameIsPathSegment,
      'path-segment',
      'a b',
      false,
      ['must consist of printable ASCII characters other than space'],
    ],
    [
      nameIsPathSegment,
      'path-segment',
      'é',
      false,
      ['must consist of printable ASCII characters other than space'],
    ],
  ];
  for (const [fn, fnName, name, prefix, expected] of cases) {
    it(`${fnName} ${prefix ? 'prefix ' : ''}${JSON.stringify(name.slice(0, 20))}`, () => {
      assert.deepEqual(fn(name, prefix), expected);
    });
  }

  it('wraps the rules into field errors', () => {
    const path = FieldPath.of('spec', 'nodeName');
    assert.deepEqual(validateDnsSubdomain('node-1', path), []);
    assert.deepEqual(validateDnsSubdomain('Node', path).map(errorMessage), [
      `spec.nodeName: Invalid value: "Node": ${subdomainMsg}`,
    ]);
    assert.deepEqual(validateDnsLabel('a.b', path).map(errorMessage), [
      'spec.nodeName: Invalid value: "a.b": must not contain dots',
    ]);
  });
});

describe('validateLabels', () => {
  const path = FieldPath.of('metadata', 'labels');
  const cases: [labels: Record<string, string>, messages: string[]][] = [
    [{}, []],
    [{ app: 'web', 'example.com/tier': 'front_end.1', empty: '' }, []],
    [{ 'a b': 'x' }, [`metadata.labels: Invalid value: "a b": ${qualifiedMsg}`]],
    [{ app: 'web server' }, [`metadata.labels[app]: Invalid value: "web server": ${labelValueMsg}`]],
    [
      { app: 'x'.repeat(64) },
      [`metadata.labels[app]: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`],
    ],
    [
      { 'b/x/y': '-', a: 'ok' },
      [
        'metadata.labels: Invalid value: "b/x/y": a qualified name must consist of alphanumeric characters, ' +
          "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  " +
          "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional " +
          "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        `metadata.labels[b/x/y]: Invalid value: "-": ${labelValueMsg}`,
      ],
    ],
  ];
  for (const [labels, messages] of cases) {
    it(JSON.stringify(labels).slice(0, 60), () => {
      assert.deepEqual(validateLabels(labels, path).map(errorMessage), messages);
    });
  }
});

describe('validateAnnotations', () => {
  const path = FieldPath.of('metadata', 'annotations');

  it('accepts keys in any case and values of any form', () => {
    assert.deepEqual(
      validateAnnotations({ 'Example.COM/Note': 'any text at all, even with spaces' }, path),
      [],
    );
  });

  it('refuses keys that are not qualified names', () => {
    assert.deepEqual(validateAnnotations({ 'not a key': '' }, path).map(errorMessage), [
      `metadata.annotations: Invalid value: "not a key": ${qualifiedMsg}`,
    ]);
  });

  it('limits the total size to 256 KiB, keys included', () => {
    const limit = 256 * 1024;
    assert.deepEqual(validateAnnotations({ k: 'x'.repeat(limit - 1) }, path), []);
    assert.deepEqual(validateAnnotations({ k: 'x'.repeat(limit) }, path).map(errorMessage), [
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
    // Bytes, not characters: 'é' is two bytes in UTF-8.
    assert.equal(validateAnnotations({ k: 'é'.repeat(limit / 2) }, path).length, 1);
  });
});

describe('validateLabelSelector', () => {
  const path = FieldPath.of('spec', 'selector');
  const cases: [name: string, selector: Partial<LabelSelector> | undefined, messages: string[]][] = [
    ['absent', undefined, []],
    [
      'valid',
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['a'] }] },
      [],
    ],
    [
      'In without values',
      { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] },
      [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['a'] }] },
      [
        "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      ],
    ],
    [
      'unknown operator',
      { matchExpressions: [{ key: 'env', operator: 'Equals', values: ['a'] }] },
      ['spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'],
    ],
    [
      'bad key and value',
      { matchExpressions: [{ key: '', operator: 'NotIn', values: ['ok', 'not ok'] }] },
      [
        'spec.selector.matchExpressions[0].key: Invalid value: "": name part must be non-empty',
        `spec.selector.matchExpressions[0].key: Invalid value: "": ${qualifiedMsg}`,
        `spec.selector.matchExpressions[0].values[1]: Invalid value: "not ok": ${labelValueMsg}`,
      ],
    ],
    [
      'bad matchLabels',
      { matchLabels: { app: 'a b' } },
      [`spec.selector.matchLabels[app]: Invalid value: "a b": ${labelValueMsg}`],
    ],
  ];
  for (const [name, selector, messages] of cases) {
    it(name, () => {
      const ls = selector === undefined ? undefined : LabelSelector.fromPartial(selector);
      assert.deepEqual(validateLabelSelector(ls, path).map(errorMessage), messages);
    });
  }
});
