/**
 * PriorityClasses and the Priority admission plugin through real store and apiserver
 * processes: the built-in system classes exist from the start, classes are created from
 * Kubernetes manifests, and Pods get their priority from them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PriorityClass } from '../../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import { parseManifests } from '../../sdk/manifest/index.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { pod } from '../../test/objects.js';
import { outcome } from '../../test/outcome.js';

function manifest<T>(yaml: string): T {
  const [parsed] = parseManifests(yaml);
  if (!parsed) throw new Error('no object in manifest');
  return parsed.object as T;
}

describe('PriorityClass and Priority admission in a real cluster', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  const classes = () => cluster.client('priorityclasses');
  const pods = () => cluster.client('pods');
  const createPod = async (p: Pod) => (await call<{ pod: Pod }>(pods(), 'createPod', { pod: p })).pod;

  test('the system classes exist and may not be deleted', async () => {
    const { items } = await call<{ items: PriorityClass[] }>(classes(), 'listPriorityClasses', {});
    const byName = new Map(items.map((c) => [c.metadata?.name, c]));
    assert.equal(byName.get('system-node-critical')?.value, 2_000_001_000);
    assert.equal(byName.get('system-cluster-critical')?.value, 2_000_000_000);
    assert.equal(byName.get('system-cluster-critical')?.preemptionPolicy, 'PreemptLowerPriority');
    const del = await outcome(call(classes(), 'deletePriorityClass', { name: 'system-node-critical' }));
    assert.equal(del.code, 'PERMISSION_DENIED');
    assert.match(del.message, /system priority class and cannot be deleted/);
  });

  test('a Kubernetes manifest creates a class that reads back as written; Pods take its value', async () => {
    const pc = manifest<PriorityClass>(`
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high-priority
value: 1000000
globalDefault: false
preemptionPolicy: Never
description: "This priority class should be used for XYZ service pods only."
`);
    await call(classes(), 'createPriorityClass', { priorityClass: pc });
    const got = (
      await call<{ priorityClass: PriorityClass }>(classes(), 'getPriorityClass', { name: 'high-priority' })
    ).priorityClass;
    assert.equal(got.apiVersion, 'scheduling.k8s.io/v1');
    assert.equal(got.value, 1_000_000);
    assert.equal(got.preemptionPolicy, 'Never');
    assert.equal(got.description, 'This priority class should be used for XYZ service pods only.');

    const p = pod('important');
    p.spec!.priorityClassName = 'high-priority';
    const created = await createPod(p);
    assert.equal(created.spec?.priority, 1_000_000);
    assert.equal(created.spec?.preemptionPolicy, 'Never');

    const critical = pod('critical', { namespace: 'kube-system' });
    critical.spec!.priorityClassName = 'system-node-critical';
    assert.equal((await createPod(critical)).spec?.priority, 2_000_001_000);

    const plain = await createPod(pod('plain'));
    assert.equal(plain.spec?.priority, 0);
    assert.equal(plain.spec?.preemptionPolicy, 'PreemptLowerPriority');
  });

  test('an unknown class, a contradicting priority, a second default and a reserved name are refused', async () => {
    const unknown = pod('lost');
    unknown.spec!.priorityClassName = 'no-such-class';
    const u = await outcome(createPod(unknown));
    assert.equal(u.code, 'PERMISSION_DENIED');
    assert.match(u.message, /no PriorityClass with name no-such-class was found \(spec\.priorityClassName\)/);

    const liar = pod('liar');
    liar.spec!.priorityClassName = 'high-priority';
    liar.spec!.priority = 5;
    const l = await outcome(createPod(liar));
    assert.equal(l.code, 'PERMISSION_DENIED');
    assert.match(l.message, /the integer value of priority \(5\) must not be provided in pod spec/);

    const def = (name: string, value: number) =>
      manifest<PriorityClass>(
        `apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: ${name}}\nvalue: ${value}\nglobalDefault: true\n`,
      );
    await call(classes(), 'createPriorityClass', { priorityClass: def('default-low', 10) });
    const second = await outcome(call(classes(), 'createPriorityClass', { priorityClass: def('other', 20) }));
    assert.equal(second.code, 'PERMISSION_DENIED');
    assert.match(second.message, /PriorityClass default-low is already marked as default/);

    const defaulted = await createPod(pod('defaulted'));
    assert.equal(defaulted.spec?.priorityClassName, 'default-low');
    assert.equal(defaulted.spec?.priority, 10);

    const reserved = manifest<PriorityClass>(
      'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: system-mine}\nvalue: 5\n',
    );
    const r = await outcome(call(classes(), 'createPriorityClass', { priorityClass: reserved }));
    assert.equal(r.code, 'INVALID_ARGUMENT');
    assert.match(
      r.message,
      /metadata\.name: Forbidden: priority class names with 'system-' prefix are reserved/,
    );
    const tooHigh = manifest<PriorityClass>(
      'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: huge}\nvalue: 1000000001\n',
    );
    const t = await outcome(call(classes(), 'createPriorityClass', { priorityClass: tooHigh }));
    assert.match(
      t.message,
      /value: Forbidden: maximum allowed value of a user defined priority is 1000000000/,
    );
  });
});
