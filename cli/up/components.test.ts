import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { APISERVER_NODE_FLAGS } from '../../apiserver/node-flags.js';
import { SCHEDULER_NODE_FLAGS } from '../../scheduler/node-flags.js';
import { ensureClusterPki } from '../../sdk/pki/index.js';
import {
  apiserverComponent,
  type ClusterLayout,
  nodeArgs,
  schedulerComponent,
  storeComponent,
} from './components.js';

const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-components-'));
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

/** Every value of `flag` in `args`. */
function valuesOf(args: readonly string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag && args[i + 1] !== undefined ? [args[i + 1]!] : []));
}

/** Asserts that each flag is given, and each of its values is a file of the cluster PKI that exists. */
function assertPkiFiles(args: readonly string[], flags: readonly string[]): void {
  for (const flag of flags) {
    const files = valuesOf(args, flag);
    assert.ok(files.length > 0, `${flag} is given`);
    for (const file of files) {
      assert.ok(file.startsWith(`${pki.dir}/`), `${flag} ${file} is in the cluster PKI`);
      assert.ok(existsSync(file), `${flag} ${file} exists`);
    }
  }
}

describe('component command lines', () => {
  test('the store names its PKI files, its data dir and its addresses', () => {
    const store = storeComponent(layout);
    assert.equal(store.args[0], 'store');
    assertPkiFiles(store.args, ['--tls-cert', '--tls-key', '--tls-ca', '--metrics-client-ca']);
    // Its metrics take the store CA's certificates and the cluster CA's (the admin's).
    assert.deepEqual(valuesOf(store.args, '--metrics-client-ca'), [pki.store.caFile, pki.caFile]);
    assert.deepEqual(valuesOf(store.args, '--data-dir'), [join(dir, 'store')]);
    assert.deepEqual(valuesOf(store.args, '--listen'), ['127.0.0.1:2379']);
    assert.deepEqual(valuesOf(store.args, '--metrics-listen'), ['127.0.0.1:0']);
  });

  test('the apiserver names its PKI files and the store, with its Node flags', () => {
    const apiserver = apiserverComponent(layout);
    assert.equal(apiserver.args[0], 'apiserver');
    assert.deepEqual(apiserver.nodeFlags, APISERVER_NODE_FLAGS);
    assertPkiFiles(apiserver.args, [
      '--store-cafile',
      '--store-certfile',
      '--store-keyfile',
      '--tls-cert-file',
      '--tls-private-key-file',
      '--client-ca-file',
      '--kubelet-client-certificate',
      '--kubelet-client-key',
      '--kubelet-certificate-authority',
      '--service-account-signing-key-file',
      '--service-account-key-file',
    ]);
    assert.deepEqual(valuesOf(apiserver.args, '--store-servers'), ['127.0.0.1:2379']);
    assert.deepEqual(valuesOf(apiserver.args, '--secure-port'), ['6443']);
    // Metrics and the audit log only when the layout asks for them.
    assert.deepEqual(valuesOf(apiserver.args, '--metrics-bind-address'), []);
    assert.deepEqual(valuesOf(apiserver.args, '--audit-log-path'), []);
    const full = apiserverComponent({ ...layout, apiserverMetricsPort: 9443, auditLogPath: '/a/audit.log' });
    assert.deepEqual(valuesOf(full.args, '--metrics-bind-address'), ['127.0.0.1:9443']);
    assert.deepEqual(valuesOf(full.args, '--audit-log-path'), ['/a/audit.log']);
  });

  test('the scheduler runs with its Node flags and its own kubeconfig', () => {
    const scheduler = schedulerComponent(layout);
    assert.equal(scheduler.args[0], 'scheduler');
    assert.deepEqual(scheduler.nodeFlags, SCHEDULER_NODE_FLAGS);
    assert.deepEqual(valuesOf(scheduler.args, '--kubeconfig'), [join(dir, 'scheduler.yaml')]);
    assert.deepEqual(nodeArgs(scheduler, 'w.js').slice(0, SCHEDULER_NODE_FLAGS.length + 1), [
      ...SCHEDULER_NODE_FLAGS,
      'w.js',
    ]);
  });

  test('nodeArgs: Node flags, the script, the arguments, then the caller extras', () => {
    const apiserver = apiserverComponent(layout);
    const argv = nodeArgs(apiserver, '/bin/wheelhouse.js', ['--event-ttl', '2s']);
    assert.deepEqual(argv, [
      ...APISERVER_NODE_FLAGS,
      '/bin/wheelhouse.js',
      ...apiserver.args,
      '--event-ttl',
      '2s',
    ]);
    assert.deepEqual(nodeArgs(storeComponent(layout), 'w.js'), ['w.js', ...storeComponent(layout).args]);
  });
});
