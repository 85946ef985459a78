import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { APISERVER_NODE_FLAGS } from '../../apiserver/node-flags.js';
import {
  loadStaticPodKind,
  readStaticPods,
  SHUTDOWN_ORDER_ANNOTATION,
  shutdownOrderOf,
} from '../../kubelet/config/static-pods.js';
import { ensureClusterPki } from '../../sdk/pki/index.js';
import { componentOf } from './component-processes.js';
import { apiserverComponent, type ClusterLayout, storeComponent } from './components.js';
import { type StaticPodComponent, staticPodManifest, writeStaticPodManifests } from './manifests.js';

const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-manifests-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pki = ensureClusterPki(dir, { nodes: [] });
const layout: ClusterLayout = {
  dataDir: dir,
  pki,
  host: '127.0.0.1',
  storePort: 2379,
  apiserverPort: 6443,
  storeMetricsPort: 0,
};
const pods: StaticPodComponent[] = [
  {
    component: storeComponent(layout),
    podName: 'wheelhouse-store',
    file: 'wheelhouse-store.yaml',
    liveness: { tcpPort: 2379 },
    shutdownOrder: 4,
    cpuRequest: '100m',
  },
  {
    component: apiserverComponent(layout),
    podName: 'wheelhouse-apiserver',
    file: 'kube-apiserver.yaml',
    liveness: { tcpPort: 6443 },
    shutdownOrder: 3,
    cpuRequest: '250m',
  },
];
const opts = { node: '/usr/bin/node', script: '/src/bin/wheelhouse.js', host: '127.0.0.1' };

describe('control-plane manifests', () => {
  test('a Pod in kube-system with every flag in command and args, and kubeadm’s shape', () => {
    const m = staticPodManifest(pods[1]!, { ...opts, env: { WHEELHOUSE_LOG_LEVEL: 'warn' } }) as {
      metadata: { namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
      spec: {
        hostNetwork: boolean;
        priorityClassName: string;
        restartPolicy: string;
        containers: {
          command: string[];
          args: string[];
          env: { name: string; value: string }[];
          livenessProbe: { tcpSocket: { port: number; host: string } };
        }[];
      };
    };
    assert.equal(m.metadata.namespace, 'kube-system');
    assert.deepEqual(m.metadata.labels, { tier: 'control-plane', component: 'wheelhouse-apiserver' });
    assert.equal(m.metadata.annotations[SHUTDOWN_ORDER_ANNOTATION], '3');
    assert.equal(m.spec.hostNetwork, true);
    assert.equal(m.spec.priorityClassName, 'system-node-critical');
    assert.equal(m.spec.restartPolicy, 'Always');
    const [c] = m.spec.containers;
    assert.deepEqual(c?.command, ['/usr/bin/node', ...APISERVER_NODE_FLAGS, '/src/bin/wheelhouse.js']);
    assert.deepEqual(c?.args, apiserverComponent(layout).args);
    assert.deepEqual(c?.env, [{ name: 'WHEELHOUSE_LOG_LEVEL', value: 'warn' }]);
    assert.deepEqual(c?.livenessProbe.tcpSocket, { host: '127.0.0.1', port: 6443 });
    const https = staticPodManifest({ ...pods[0]!, liveness: { httpsHealthzPort: 10257 } }, opts) as {
      spec: { containers: { livenessProbe: { httpGet: unknown } }[] };
    };
    assert.deepEqual(https.spec.containers[0]?.livenessProbe.httpGet, {
      scheme: 'HTTPS',
      host: '127.0.0.1',
      port: 10257,
      path: '/healthz',
    });
  });

  test('the kubelet reads them as static pods named <pod>-<node>, with their shutdown order', async () => {
    await loadStaticPodKind();
    const out = join(dir, 'manifests');
    writeStaticPodManifests(out, pods, opts);
    assert.deepEqual(readdirSync(out).sort(), ['kube-apiserver.yaml', 'wheelhouse-store.yaml']);
    const read = [...readStaticPods(out, 'node-a').values()];
    assert.deepEqual(read.map((p) => p.metadata?.name).sort(), [
      'wheelhouse-apiserver-node-a',
      'wheelhouse-store-node-a',
    ]);
    const store = read.find((p) => p.metadata?.name === 'wheelhouse-store-node-a');
    assert.ok(store);
    assert.equal(shutdownOrderOf(store), 4);
    assert.equal(store.spec?.containers[0]?.image, 'wheelhouse');
    assert.deepEqual(store.spec?.containers[0]?.args, storeComponent(layout).args);
    // Read as the apiserver reads manifests: the probe's bare port is an IntOrString.
    assert.deepEqual(store.spec?.containers[0]?.livenessProbe?.tcpSocket?.port, {
      value: { $case: 'intVal', value: 2379 },
    });
  });

  test('a file is rewritten only when its content changes', () => {
    const out = join(dir, 'rewrite');
    const [path] = writeStaticPodManifests(out, pods, opts);
    assert.ok(path);
    const first = statSync(path).ino;
    writeStaticPodManifests(out, pods, opts);
    assert.equal(statSync(path).ino, first, 'unchanged: the same file');
    writeStaticPodManifests(out, pods, { ...opts, node: '/opt/node' });
    assert.notEqual(statSync(path).ino, first, 'changed: replaced by a rename');
    assert.match(readFileSync(path, 'utf8'), /- \/opt\/node\n/);
    // A file edited by hand is put back as up writes it.
    writeFileSync(path, 'edited');
    writeStaticPodManifests(out, pods, opts);
    assert.match(readFileSync(path, 'utf8'), /^# Written by `wheelhouse up`/);
  });
});

describe('control-plane processes', () => {
  const match = { node: '/usr/bin/node', script: '/src/bin/wheelhouse.js', dataDir: '/data' };
  test('a component is Node running the script with an argument under the data dir', () => {
    assert.equal(
      componentOf(
        [
          '/usr/bin/node',
          '--max-semi-space-size=32',
          '/src/bin/wheelhouse.js',
          'apiserver',
          '--x',
          '/data/pki/ca.crt',
        ],
        match,
      ),
      'apiserver',
    );
    // The runtime's wrappers, another cluster's component, another checkout's.
    assert.equal(
      componentOf(
        ['/bin/sh', '-c', 'x', '/usr/bin/node', '/src/bin/wheelhouse.js', 'store', '/data/s'],
        match,
      ),
      undefined,
    );
    assert.equal(
      componentOf(['/usr/bin/node', '/src/bin/wheelhouse.js', 'store', '/other/s'], match),
      undefined,
    );
    assert.equal(
      componentOf(['/usr/bin/node', '/elsewhere/wheelhouse.js', 'store', '/data/s'], match),
      undefined,
    );
  });
});
