import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globalOptionsOf, parseFlags } from './flags.js';
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

test('--config, --context and -v are read from any place before --, in every spelling', () => {
  assert.deepEqual(globalOptionsOf(['pods', '--context', 'prod', '-v', '6']), {
    context: 'prod',
    verbosity: 6,
  });
  assert.deepEqual(globalOptionsOf(['--context=a', '-v=7', '--config=c.yaml']), {
    config: 'c.yaml',
    context: 'a',
    verbosity: 7,
  });
  assert.deepEqual(globalOptionsOf(['-v8']), { verbosity: 8 });
  assert.deepEqual(globalOptionsOf(['--v=2', '--', '--context', 'x']), { verbosity: 2 });
  assert.throws(() => globalOptionsOf(['-v', 'loud']), /-v must be a whole number/);
});

test('every command parses --context and -v besides its own flags', () => {
  const { values } = parseFlags(['x', '--context', 'a', '-v=6'], { quiet: { type: 'boolean' } });
  assert.equal(values.context, 'a');
  assert.equal(values.v, '6');
});
