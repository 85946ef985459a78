import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globalFlagsAfterCommand } from './main.js';

test('global flags before the command name move after it, before any --', () => {
  assert.deepEqual(globalFlagsAfterCommand(['-n', 'kube-system', 'get', 'pods']), [
    'get',
    'pods',
    '-n',
    'kube-system',
  ]);
  assert.deepEqual(globalFlagsAfterCommand(['--config=c.yaml', '-v', '4', '--context', 'x', 'get', 'pods']), [
    'get',
    'pods',
    '--config=c.yaml',
    '-v',
    '4',
    '--context',
    'x',
  ]);
  assert.deepEqual(globalFlagsAfterCommand(['-nfoo', 'exec', 'web', '--', 'ls', '-n', 'x']), [
    'exec',
    'web',
    '-nfoo',
    '--',
    'ls',
    '-n',
    'x',
  ]);
  assert.deepEqual(globalFlagsAfterCommand(['get', 'pods', '-n', 'x']), ['get', 'pods', '-n', 'x']);
  assert.deepEqual(globalFlagsAfterCommand(['--help']), ['--help']);
});
