import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../errors.js';
import { LabelSelector } from '../gen/wheelhouse/meta/v1/meta.js';
import { fromLabelSelector } from './from-label-selector.js';
import { isEmpty, matches, selectorToString } from './selector.js';

describe('fromLabelSelector', () => {
  const valid: [name: string, ls: LabelSelector, canonical: string][] = [
    ['empty', LabelSelector.fromPartial({}), ''],
    [
      'matchLabels',
      LabelSelector.fromPartial({ matchLabels: { tier: 'fe', app: 'web' } }),
      'app=web,tier=fe',
    ],
    [
      'matchExpressions',
      LabelSelector.fromPartial({
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'zone', operator: 'NotIn', values: ['b'] },
          { key: 'canary', operator: 'DoesNotExist', values: [] },
          { key: 'app', operator: 'Exists', values: [] },
        ],
      }),
      'app,!canary,env in (dev,prod),zone notin (b)',
    ],
    [
      'both',
      LabelSelector.fromPartial({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }],
      }),
      'app=web,env in (prod)',
    ],
  ];
  for (const [name, ls, canonical] of valid) {
    it(`converts ${name}`, () => {
      assert.equal(selectorToString(fromLabelSelector(ls)), canonical);
    });
  }

  it('matches everything when empty and nothing when absent', () => {
    assert.ok(isEmpty(fromLabelSelector(LabelSelector.fromPartial({}))));
    assert.ok(matches(fromLabelSelector(LabelSelector.fromPartial({})), { a: 'b' }));
    assert.ok(!matches(fromLabelSelector(undefined), { a: 'b' }));
    assert.ok(!matches(fromLabelSelector(undefined), {}));
  });

  it('matches objects by its terms', () => {
    const selector = fromLabelSelector(
      LabelSelector.fromPartial({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }],
      }),
    );
    assert.ok(matches(selector, { app: 'web', env: 'prod' }));
    assert.ok(matches(selector, { app: 'web' }));
    assert.ok(!matches(selector, { app: 'web', env: 'dev' }));
    assert.ok(!matches(selector, { env: 'prod' }));
  });

  it('compares a label with every value of In and NotIn, not only the first', () => {
    const selector = (operator: string, values: string[]) =>
      fromLabelSelector(LabelSelector.fromPartial({ matchExpressions: [{ key: 'env', operator, values }] }));
    const notIn = selector('NotIn', ['test', 'dev', 'staging']);
    for (const env of ['dev', 'staging', 'test']) assert.ok(!matches(notIn, { env }), `NotIn, env=${env}`);
    assert.ok(matches(notIn, { env: 'prod' }));
    assert.ok(matches(notIn, {}));
    const inSet = selector('In', ['qa', 'canary', 'prod']);
    for (const env of ['canary', 'prod', 'qa']) assert.ok(matches(inSet, { env }), `In, env=${env}`);
    assert.ok(!matches(inSet, { env: 'dev' }));
    assert.ok(!matches(inSet, {}));
  });

  const invalid: [name: string, ls: Partial<LabelSelector>, message: string][] = [
    [
      'In without values',
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      "matchExpressions[0]: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'matchExpressions[0]: values set must be empty for exists and does not exist',
    ],
    [
      'unknown operator',
      { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
      'matchExpressions[0].operator: "Gt" is not a valid label selector operator (use In, NotIn, Exists or DoesNotExist)',
    ],
    [
      'bad label key',
      { matchLabels: { 'a b': 'x' } },
      'matchLabels[a b]: key "a b": name part must consist of alphanumeric characters',
    ],
    ['bad label value', { matchLabels: { a: 'x y' } }, 'matchLabels[a]: value "x y": a valid label must be'],
  ];
  for (const [name, ls, message] of invalid) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => fromLabelSelector(LabelSelector.fromPartial(ls)),
        (err: unknown) => {
          assert.ok(err instanceof ApiError);
          assert.equal(err.code, Code.INVALID_ARGUMENT);
          assert.ok(err.message.startsWith(`invalid label selector: ${message}`), err.message);
          return true;
        },
      );
    });
  }

  it('lists every invalid term', () => {
    assert.throws(
      () =>
        fromLabelSelector(
          LabelSelector.fromPartial({
            matchExpressions: [
              { key: 'a', operator: 'In', values: [] },
              { key: 'b', operator: 'Nope', values: [] },
            ],
          }),
        ),
      /matchExpressions\[0\]: .*, matchExpressions\[1\]\.operator: /,
    );
  });
});
