import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Quantity } from '../quantity.js';
import { tryParseQuantity } from './quantity-cache.js';

test('quantity cache: answers as Quantity.tryParse does, sharing one result per text', () => {
  for (const text of ['100m', '128Mi', '1e3', '0', '-1.5', '', 'abc', '1Zi']) {
    assert.deepEqual(tryParseQuantity(text), Quantity.tryParse(text), text);
    assert.equal(tryParseQuantity(text), tryParseQuantity(text), `${text} is parsed once`);
  }
  const cpu = tryParseQuantity('250m');
  assert.ok(cpu.ok && cpu.quantity.milliValue() === 250n);
  assert.notEqual(tryParseQuantity('250m'), tryParseQuantity('251m'));
  // Long text is not kept, but still parsed.
  const long = `${'1'.repeat(80)}m`;
  assert.deepEqual(tryParseQuantity(long), Quantity.tryParse(long));
  assert.notEqual(tryParseQuantity(long), tryParseQuantity(long));
});
