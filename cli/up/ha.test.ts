import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureClusterPki } from '../../sdk/pki/index.js';
import { freePort } from '../../test/free-port.js';
import { LOOPBACK } from './components.js';
import { apiserverList, etcdBackendUrl, etcdMember, findEtcd, haControlPlanePods, haPorts } from './ha.js';

const dir = mkdtempSync(join(tmpdir(), 'up-ha-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const flag = (args: readonly string[], name: string) => args[args.indexOf(name) + 1];

describe('up --ha layout', () => {
  it('keeps the ports of the first start, so that etcd finds its peers again', async () => {
    const first = await haPorts(dir, [6443, 6445], [6444, 6446], freePort);
    const again = await haPorts(dir, [7443, 7445], [7444, 7446], async () => {
      throw new Error('no new port may be needed on a second start');
    });
    assert.deepEqual({ ...again, apiserver: first.apiserver, apiserverRest: first.apiserverRest }, first);
    assert.deepEqual(again.apiserver, [7443, 7445]);
    const all = [
      ...first.etcdClient,
      ...first.etcdPeer,
      ...first.store,
      ...first.storeMetrics,
      ...first.apiserver,
      ...first.apiserverRest,
      ...first.apiserverMetrics,
      ...first.scheduler,
      ...first.controllerManager,
    ];
    assert.equal(new Set(all).size, all.length, 'every port differs');
  });

  it('runs two of each on etcd, every apiserver given both stores, every client both apiservers', async () => {
    const pki = ensureClusterPki(dir, { nodes: ['n1'] });
    const ports = await haPorts(dir, [6443, 6445], [6444, 6446], freePort);
    const pods = haControlPlanePods({ dataDir: dir, pki, host: LOOPBACK }, ports, {
      scheduler: join(dir, 'scheduler.yaml'),
      controllerManager: join(dir, 'controller-manager.yaml'),
    });
    assert.deepEqual(
      pods.map((p) => p.podName),
      [
        'wheelhouse-store-0',
        'wheelhouse-store-1',
        'wheelhouse-apiserver-0',
        'wheelhouse-apiserver-1',
        'wheelhouse-controller-manager-0',
        'wheelhouse-controller-manager-1',
        'wheelhouse-scheduler-0',
        'wheelhouse-scheduler-1',
      ],
    );
    assert.equal(new Set(pods.map((p) => p.file)).size, 8);
    const stores = pods.filter((p) => p.component.args[0] === 'store');
    for (const s of stores) assert.equal(flag(s.component.args, '--backend'), etcdBackendUrl(ports));
    assert.notEqual(
      flag(stores[0]!.component.args, '--data-dir'),
      flag(stores[1]!.component.args, '--data-dir'),
    );
    const storeList = ports.store.map((p) => `${LOOPBACK}:${p}`).join(',');
    for (const a of pods.filter((p) => p.component.args[0] === 'apiserver')) {
      assert.equal(flag(a.component.args, '--store-servers'), storeList);
    }
    assert.deepEqual(
      pods
        .filter((p) => p.component.args[0] === 'apiserver')
        .map((a) => flag(a.component.args, '--rest-secure-port')),
      ['6444', '6446'],
    );
    assert.equal(apiserverList(ports), '127.0.0.1:6443,127.0.0.1:6445');
    assert.match(
      etcdBackendUrl(ports),
      /^etcd:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/wheelhouse$/,
    );
  });

  it('forms one etcd cluster of three members, each with its own data', async () => {
    const ports = await haPorts(dir, [6443, 6445], [6444, 6446], freePort);
    const members = [0, 1, 2].map((i) => etcdMember(dir, ports, i));
    const cluster = members.map((m) => m.args.find((a) => a.startsWith('--initial-cluster='))!);
    assert.equal(new Set(cluster).size, 1);
    assert.equal(new Set(members.map((m) => m.args.find((a) => a.startsWith('--data-dir=')))).size, 3);
  });

  it('finds no etcd where there is none', () => {
    const found = findEtcd('');
    assert.ok(found === undefined || found.startsWith('/usr/'));
  });
});
