import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  findUntolerated,
  matchingTolerations,
  type TaintLike,
  type TolerationLike,
  taintToString,
  tolerates,
  toleratesTaint,
} from './tolerations.js';

const taint = (key: string, value: string, effect: string): TaintLike => ({ key, value, effect });
const tol = (key: string, operator: string, value: string, effect = ''): TolerationLike => ({
  key,
  operator,
  value,
  effect,
});

test('tolerates: key, value and effect as Kubernetes matches them', () => {
  const gpu = taint('dedicated', 'gpu', 'NoSchedule');
  assert.ok(tolerates(tol('dedicated', 'Equal', 'gpu', 'NoSchedule'), gpu));
  assert.ok(
    tolerates(tol('dedicated', '', 'gpu'), gpu),
    'no operator means Equal; no effect means every effect',
  );
  assert.ok(!tolerates(tol('dedicated', 'Equal', 'cpu'), gpu), 'another value');
  assert.ok(!tolerates(tol('dedicated', 'Equal', 'gpu', 'NoExecute'), gpu), 'another effect');
  assert.ok(!tolerates(tol('other', 'Exists', ''), gpu), 'another key');
  assert.ok(tolerates(tol('dedicated', 'Exists', ''), gpu), 'Exists ignores the value');
  assert.ok(tolerates(tol('', 'Exists', ''), gpu), 'empty key with Exists tolerates everything');
  assert.ok(tolerates(tol('', 'Exists', '', 'NoSchedule'), gpu));
  assert.ok(!tolerates(tol('', 'Exists', '', 'NoExecute'), gpu));
  assert.ok(!tolerates(tol('dedicated', 'Gt', 'gpu'), gpu), 'an unknown operator tolerates nothing');
  assert.ok(tolerates(tol('k', 'Equal', ''), taint('k', '', 'NoSchedule')), 'empty values are equal');
});

test('findUntolerated: the first taint the filter keeps that nothing tolerates', () => {
  const taints = [
    taint('a', '1', 'PreferNoSchedule'),
    taint('b', '2', 'NoSchedule'),
    taint('c', '3', 'NoExecute'),
  ];
  const hard = (t: TaintLike) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
  assert.deepEqual(findUntolerated(taints, [], hard), taints[1]);
  assert.deepEqual(findUntolerated(taints, []), taints[0], 'without a filter every taint counts');
  assert.deepEqual(findUntolerated(taints, [tol('b', 'Exists', '')], hard), taints[2]);
  assert.equal(findUntolerated(taints, [tol('b', 'Exists', ''), tol('c', 'Equal', '3')], hard), undefined);
  assert.equal(findUntolerated([], [], hard), undefined);
  assert.ok(toleratesTaint([tol('x', 'Exists', ''), tol('c', 'Exists', '')], taints[2]!));
  assert.ok(!toleratesTaint([], taints[2]!));
});

test('matchingTolerations: every taint tolerated, or undefined', () => {
  const taints = [taint('a', '1', 'NoExecute'), taint('b', '', 'NoExecute')];
  const ta = { ...tol('a', 'Equal', '1'), tolerationSeconds: '30' };
  const tb = tol('b', 'Exists', '');
  const all = tol('', 'Exists', '');
  assert.deepEqual(matchingTolerations(taints, [ta, tb]), [ta, tb]);
  assert.deepEqual(matchingTolerations(taints, [all]), [all], 'one toleration is listed once');
  assert.equal(matchingTolerations(taints, [ta]), undefined);
  assert.deepEqual(matchingTolerations([], [ta]), []);
});

test('taintToString: as kubectl prints it', () => {
  assert.equal(taintToString(taint('dedicated', 'gpu', 'NoSchedule')), 'dedicated=gpu:NoSchedule');
  assert.equal(
    taintToString(taint('node.kubernetes.io/unreachable', '', 'NoExecute')),
    'node.kubernetes.io/unreachable:NoExecute',
  );
  assert.equal(taintToString(taint('k', 'v', '')), 'k=v');
});
