import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IntOrString } from './gen/wheelhouse/meta/v1/meta.js';
import { scaledValue } from './int-or-string.js';

const int = (value: number): IntOrString => ({ value: { $case: 'intVal', value } });
const str = (value: string): IntOrString => ({ value: { $case: 'strVal', value } });

describe('scaledValue', () => {
  test('unset is 0', () => {
    assert.equal(scaledValue(undefined, 10, true), 0);
    assert.equal(scaledValue({ value: undefined }, 10, true), 0);
  });
  test('integers as they are, percentages rounded as asked', () => {
    assert.equal(scaledValue(int(3), 10, true), 3);
    assert.equal(scaledValue(str('50%'), 3, true), 2);
    assert.equal(scaledValue(str('50%'), 3, false), 1);
    assert.equal(scaledValue(str('34%'), 3, true), 2);
    assert.equal(scaledValue(str('100%'), 7, true), 7);
  });
  test('a string that is not a percentage is refused', () => {
    assert.throws(() => scaledValue(str('half'), 4, true), /"half" is not a percentage/);
  });
});
