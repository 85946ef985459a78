import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../usage-error.js';
import { applyChange, parseChanges } from './label.js';

test('label arguments: resources first, then key=value and key-', () => {
  assert.deepEqual(parseChanges(['pods', 'a', 'b', 'x=1', 'y-'], 'label'), {
    resources: ['pods', 'a', 'b'],
    change: { set: { x: '1' }, remove: ['y'] },
  });
  assert.deepEqual(parseChanges(['pod/a', 'x='], 'label').change.set, { x: '' });
  assert.throws(() => parseChanges(['pods', 'a', 'x=1', 'b'], 'label'), UsageError);
  assert.throws(() => parseChanges(['pods', 'a', 'x=1=2'], 'label'), /invalid label spec: x=1=2/);
  assert.throws(
    () => parseChanges(['pods', 'a', 'x=1', 'x-'], 'label'),
    /can not both modify and remove a label in the same command/,
  );
});

test('an existing key keeps its value unless overwrite; the same value is no clash', () => {
  const current = { app: 'web', tier: 'front' };
  assert.throws(
    () => applyChange(current, { set: { app: 'db' }, remove: [] }, false),
    /^Error: 'app' already has a value \(web\), and --overwrite is false$/,
  );
  assert.deepEqual(applyChange(current, { set: { app: 'web' }, remove: [] }, false), current);
  assert.deepEqual(applyChange(current, { set: { app: 'db' }, remove: ['tier'] }, true), { app: 'db' });
  assert.deepEqual(applyChange(current, { set: {}, remove: ['absent'] }, false), current);
});
