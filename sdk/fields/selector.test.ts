import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../errors.js';
import {
  escapeValue,
  fieldSelectorToString,
  isEmptyFieldSelector,
  matchesFields,
  parseFieldSelector,
  requiredValue,
} from './selector.js';

describe('parseFieldSelector', () => {
  const valid: [input: string, canonical: string][] = [
    ['', ''],
    [' , ', ''],
    ['metadata.name=web', 'metadata.name=web'],
    ['metadata.name==web', 'metadata.name=web'],
    ['spec.nodeName!=', 'spec.nodeName!='],
    ['spec.nodeName=', 'spec.nodeName='],
    ['status.phase = Running , spec.nodeName!=n1', 'spec.nodeName!=n1,status.phase=Running'],
    ['a=b,c!=d,e==f', 'a=b,c!=d,e=f'],
    ['metadata.name=a\\,b\\=c\\\\d', 'metadata.name=a\\,b\\=c\\\\d'],
    ['x=!y', 'x=!y'],
  ];
  for (const [input, canonical] of valid) {
    it(`parses ${JSON.stringify(input)}`, () => {
      const selector = parseFieldSelector(input);
      assert.equal(fieldSelectorToString(selector), canonical);
      assert.deepEqual(parseFieldSelector(canonical), selector);
    });
  }

  it('unescapes values', () => {
    assert.deepEqual(parseFieldSelector('metadata.name=a\\,b\\=c\\\\d').requirements, [
      { field: 'metadata.name', operator: 'Equals', value: 'a,b=c\\d' },
    ]);
    assert.deepEqual(parseFieldSelector('a!=b').requirements, [
      { field: 'a', operator: 'NotEquals', value: 'b' },
    ]);
  });

  it('escapes what it must', () => {
    assert.equal(escapeValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
    assert.equal(escapeValue('plain'), 'plain');
  });

  const invalid: [input: string, message: string][] = [
    [
      'metadata.name',
      'can\'t understand "metadata.name": expected field=value, field==value or field!=value',
    ],
    ['a=b,c', 'can\'t understand "c": expected field=value, field==value or field!=value'],
    ['=x', 'missing field name in "=x"'],
    ['a=b=c', 'unescaped \'=\' in value "b=c": write it as \\='],
    ['a=b\\x', 'invalid escape sequence in value "b\\x": only \\\\, \\, and \\= are allowed'],
    ['a=b\\', 'invalid escape sequence in value "b\\"'],
  ];
  for (const [input, message] of invalid) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseFieldSelector(input),
        (err: unknown) => {
          assert.ok(err instanceof ApiError);
          assert.equal(err.code, Code.INVALID_ARGUMENT);
          assert.ok(err.message.startsWith(`invalid field selector "${input}": ${message}`), err.message);
          return true;
        },
      );
    });
  }
});

describe('matchesFields', () => {
  const pod: Record<string, string> = {
    'metadata.name': 'web',
    'status.phase': 'Running',
    'spec.nodeName': '',
  };
  const get = (path: string) => pod[path];
  const cases: [selector: string, expected: boolean][] = [
    ['', true],
    ['metadata.name=web', true],
    ['metadata.name=db', false],
    ['metadata.name!=db', true],
    ['metadata.name!=web', false],
    ['status.phase=Running,metadata.name=web', true],
    ['status.phase=Running,metadata.name=db', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['spec.missing=', true],
    ['spec.missing!=', false],
    ['spec.missing=x', false],
  ];
  for (const [selector, expected] of cases) {
    it(`${JSON.stringify(selector)} → ${expected}`, () => {
      assert.equal(matchesFields(parseFieldSelector(selector), get), expected);
    });
  }

  it('knows empty selectors and required values', () => {
    assert.ok(isEmptyFieldSelector(parseFieldSelector('')));
    assert.ok(!isEmptyFieldSelector(parseFieldSelector('a=b')));
    assert.equal(requiredValue(parseFieldSelector('spec.nodeName=n1,a!=b'), 'spec.nodeName'), 'n1');
    assert.equal(requiredValue(parseFieldSelector('spec.nodeName!=n1'), 'spec.nodeName'), undefined);
  });
});
