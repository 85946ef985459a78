import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { Taint } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { compilePlacement, placementOf } from './node-should-run.js';
import { daemonSet, node } from './testing.js';

const taint = (key: string, effect: string, value = ''): Taint => ({ key, value, effect });

test('nodeSelector, required node affinity and template nodeName pick the nodes', () => {
  const ds = daemonSet('a', { nodeSelector: { role: 'worker' } });
  const template = ds.spec?.template?.spec;
  assert.ok(template);
  template.affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }], matchFields: [] },
        ],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [],
    },
  };
  const run = compilePlacement(ds);
  assert.deepEqual(run(node('n1', { role: 'worker', zone: 'z1' })), {
    shouldRun: true,
    shouldContinueRunning: true,
  });
  assert.deepEqual(run(node('n2', { role: 'worker', zone: 'z3' })), {
    shouldRun: false,
    shouldContinueRunning: false,
  });
  assert.deepEqual(run(node('n3', { zone: 'z1' })), { shouldRun: false, shouldContinueRunning: false });

  template.nodeName = 'n1';
  const pinned = compilePlacement(ds);
  assert.equal(pinned(node('n1', { role: 'worker', zone: 'z1' })).shouldRun, true);
  assert.equal(pinned(node('n4', { role: 'worker', zone: 'z1' })).shouldContinueRunning, false);
});

test('NoSchedule taints keep running pods, NoExecute ones evict them; tolerations and daemon tolerations admit', () => {
  const run = compilePlacement(daemonSet('a'));
  const fit = (taints: Taint[]) => run(node('n', {}, taints));
  assert.deepEqual(fit([taint('dedicated', 'NoSchedule')]), {
    shouldRun: false,
    shouldContinueRunning: true,
  });
  assert.deepEqual(fit([taint('dedicated', 'NoExecute')]), {
    shouldRun: false,
    shouldContinueRunning: false,
  });
  assert.deepEqual(fit([taint('dedicated', 'PreferNoSchedule')]), {
    shouldRun: true,
    shouldContinueRunning: true,
  });
  // What every daemon pod tolerates.
  for (const t of [
    taint('node.kubernetes.io/not-ready', 'NoExecute'),
    taint('node.kubernetes.io/unreachable', 'NoExecute'),
    taint('node.kubernetes.io/unschedulable', 'NoSchedule'),
    taint('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    taint('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    taint('node.kubernetes.io/pid-pressure', 'NoSchedule'),
  ]) {
    assert.equal(fit([t]).shouldRun, true, t.key);
  }
  // network-unavailable only for host-network pods.
  const network = [taint('node.kubernetes.io/network-unavailable', 'NoSchedule')];
  assert.equal(fit(network).shouldRun, false);
  const host = daemonSet('h');
  if (host.spec?.template?.spec) host.spec.template.spec.hostNetwork = true;
  assert.equal(compilePlacement(host)(node('n', {}, network)).shouldRun, true);

  const tolerant = daemonSet('t', {
    tolerations: [{ key: 'dedicated', operator: 'Exists', value: '', effect: '' }],
  });
  assert.equal(
    compilePlacement(tolerant)(node('n', {}, [taint('dedicated', 'NoExecute', 'x')])).shouldRun,
    true,
  );
});

test('placement is compiled once per cached object', () => {
  const ds = DaemonSet.fromPartial(daemonSet('a'));
  assert.equal(placementOf(ds), placementOf(ds));
  assert.notEqual(placementOf(ds), placementOf({ ...ds }));
});
