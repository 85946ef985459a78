import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState, type StateData } from './cycle-state.js';

const data = (n: number): StateData & { n: number } => ({ n, clone: () => data(n) });

test('reads see every write and delete, also right after a read of the same key', () => {
  const s = new CycleState();
  assert.equal(s.read('a'), undefined);
  s.write('a', data(1));
  assert.equal(s.read<ReturnType<typeof data>>('a')?.n, 1);
  assert.equal(s.read<ReturnType<typeof data>>('a')?.n, 1);
  s.write('a', data(2));
  assert.equal(s.read<ReturnType<typeof data>>('a')?.n, 2);
  s.write('b', data(3));
  assert.equal(s.read<ReturnType<typeof data>>('b')?.n, 3);
  assert.equal(s.read<ReturnType<typeof data>>('a')?.n, 2);
  s.delete('a');
  assert.equal(s.read('a'), undefined);
});

test('a clone has its own data', () => {
  const s = new CycleState();
  s.write('a', data(1));
  assert.equal(s.read<ReturnType<typeof data>>('a')?.n, 1);
  const c = s.clone();
  c.write('a', data(5));
  assert.equal(s.read<ReturnType<typeof data>>('a')?.n, 1);
  assert.equal(c.read<ReturnType<typeof data>>('a')?.n, 5);
});
