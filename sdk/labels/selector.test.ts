import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../errors.js';
import { parse } from './parse.js';
import {
  everything,
  fromSet,
  isEmpty,
  type Labels,
  matches,
  newRequirement,
  nothing,
  selectorToString,
} from './selector.js';

describe('matches', () => {
  const web: Labels = { app: 'web', tier: 'frontend', replicas: '5' };
  const cases: [selector: string, labels: Labels, expected: boolean][] = [
    ['', {}, true],
    ['', web, true],
    ['app=web', web, true],
    ['app=db', web, false],
    ['app=web', {}, false],
    ['app!=db', web, true],
    ['app!=web', web, false],
    ['app!=web', {}, true],
    ['app', web, true],
    ['canary', web, false],
    ['!canary', web, true],
    ['!app', web, false],
    ['tier in (frontend,cache)', web, true],
    ['tier in (backend)', web, false],
    ['tier in (backend)', {}, false],
    ['tier notin (backend)', web, true],
    ['tier notin (frontend)', web, false],
    ['tier notin (frontend)', {}, true],
    // Sets of several values: the label's value is compared with each, not only the first.
    ['tier notin (backend,cache,frontend)', web, false],
    ['tier notin (frontend,backend,cache)', web, false],
    ['tier notin (backend,cache,db)', web, true],
    ['tier notin (backend,cache,db)', {}, true],
    ['tier in (backend,cache,frontend)', web, true],
    ['tier in (frontend,backend,cache)', web, true],
    ['tier in (backend,cache,db)', web, false],
    ['tier in (backend,frontend,zeta)', web, true],
    ['tier notin (backend,frontend,zeta)', web, false],
    ['app=web,tier=frontend', web, true],
    ['app=web,tier=backend', web, false],
    ['replicas>3', web, true],
    ['replicas>5', web, false],
    ['replicas<6', web, true],
    ['replicas<5', web, false],
    ['app>3', web, false],
    ['replicas>3', {}, false],
    ['tier=', { tier: '' }, true],
    ['tier=', {}, false],
    ['tier in ()', { tier: '' }, true],
  ];
  for (const [selector, labels, expected] of cases) {
    it(`${JSON.stringify(selector)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, () => {
      assert.equal(matches(parse(selector), labels), expected);
    });
  }

  it('treats absent labels as no labels', () => {
    assert.equal(matches(parse('!a'), undefined), true);
    assert.equal(matches(parse('a'), undefined), false);
  });

  it('does not see inherited properties as labels', () => {
    assert.equal(matches(parse('toString'), {}), false);
    assert.equal(matches(parse('!constructor'), {}), true);
  });

  it('has a selector for everything and one for nothing', () => {
    assert.ok(matches(everything(), web));
    assert.ok(isEmpty(everything()));
    assert.ok(!matches(nothing(), web));
    assert.ok(!matches(nothing(), {}));
    assert.ok(!isEmpty(nothing()));
  });
});

describe('fromSet', () => {
  it('requires every label of the set', () => {
    const selector = fromSet({ tier: 'frontend', app: 'web' });
    assert.equal(selectorToString(selector), 'app=web,tier=frontend');
    assert.ok(matches(selector, { app: 'web', tier: 'frontend', extra: 'x' }));
    assert.ok(!matches(selector, { app: 'web' }));
  });

  it('validates keys and values', () => {
    assert.throws(() => fromSet({ 'bad key': 'x' }), ApiError);
    assert.throws(() => fromSet({ app: 'bad value' }), ApiError);
  });
});

describe('newRequirement', () => {
  const invalid: [
    key: string,
    op: Parameters<typeof newRequirement>[1],
    values: string[],
    message: string,
  ][] = [
    ['a', 'In', [], "for 'in', 'notin' operators, values set can't be empty"],
    ['a', 'NotIn', [], "for 'in', 'notin' operators, values set can't be empty"],
    ['a', 'Exists', ['x'], 'values set must be empty for exists and does not exist'],
    ['a', 'DoesNotExist', ['x'], 'values set must be empty for exists and does not exist'],
    ['a', 'Equals', ['x', 'y'], 'exact-match compatibility requires one single value'],
    ['a', 'GreaterThan', ['1', '2'], "for 'Gt', 'Lt' operators, exactly one value is required"],
    ['', 'Exists', [], 'key "": name part must be non-empty'],
  ];
  for (const [key, op, values, message] of invalid) {
    it(`refuses ${key} ${op} ${JSON.stringify(values)}`, () => {
      assert.throws(
        () => newRequirement(key, op, values),
        (err: unknown) =>
          err instanceof ApiError && err.message.startsWith(`invalid label requirement: ${message}`),
      );
    });
  }

  it('sorts and de-duplicates values', () => {
    assert.deepEqual(newRequirement('a', 'In', ['c', 'a', 'c']).values, ['a', 'c']);
  });
});
