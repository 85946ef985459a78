/**
 * A kubelet whose apiserver never answers (as one that hosts the apiserver as a static pod
 * is at first): its static pods run at once, a container that exits is restarted, a
 * manifest written later starts too, and with --stop-pods-on-exit a SIGTERM stops the pods
 * in their shutdown order, each after the one before, leaving no process behind.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { kubeletComponent, LOOPBACK, nodeArgs } from '../cli/up/components.js';
import { writeClientConfig } from '../sdk/client-config.js';
import { ensureClusterPki } from '../sdk/pki/index.js';
import { freePort } from '../test/free-port.js';
import { SHUTDOWN_ORDER_ANNOTATION } from './config/static-pods.js';

const entry = join(new URL('..', import.meta.url).pathname, 'bin/wheelhouse.js');

async function until<T>(check: () => T | undefined | false, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

/** Pids of processes whose command line names `marker` (the test's own directory). */
function processesNaming(marker: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * A static pod whose container records each start, exits 1 the first time (so the kubelet
 * must restart it), then runs until SIGTERM, which it records in `stopped`.
 */
function manifest(dir: string, name: string, order: number): string {
  const script = [
    `echo start >> ${dir}/${name}.starts`,
    `if [ ! -e ${dir}/${name}.crashed ]; then touch ${dir}/${name}.crashed; exit 1; fi`,
    `trap 'echo ${name} >> ${dir}/stopped; exit 0' TERM`,
    'while :; do sleep 0.2; done',
  ].join('\n');
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    '  namespace: kube-system',
    '  annotations:',
    `    ${SHUTDOWN_ORDER_ANNOTATION}: "${order}"`,
    'spec:',
    '  terminationGracePeriodSeconds: 5',
    '  containers:',
    '  - name: main',
    '    image: sh',
    `    command: ["sh", "-c", ${JSON.stringify(script)}]`,
    '',
  ].join('\n');
}

describe('a standalone kubelet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-standalone-'));
  let kubelet: ChildProcess | undefined;
  after(() => {
    if (kubelet && kubelet.exitCode === null && kubelet.signalCode === null) kubelet.kill('SIGKILL');
    for (const pid of processesNaming(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('runs its static pods without an apiserver, restarts them, and stops them in order', {
    timeout: 120_000,
  }, async () => {
    const pki = ensureClusterPki(dir, { nodes: ['node-1'] });
    const cert = pki.kubelets['node-1']?.client;
    assert.ok(cert);
    // Nothing listens there: the apiserver is never up in this test.
    const kubeconfig = join(dir, 'kubelet.yaml');
    writeClientConfig(kubeconfig, {
      server: `${LOOPBACK}:${await freePort()}`,
      certificateAuthority: pki.caFile,
      clientCertificate: cert.certFile,
      clientKey: cert.keyFile,
    });
    const manifests = join(dir, 'manifests');
    mkdirSync(manifests);
    // Written in the order they must not stop in.
    writeFileSync(join(manifests, 'a-last.yaml'), manifest(dir, 'last', 2));
    writeFileSync(join(manifests, 'b-first.yaml'), manifest(dir, 'first', 1));
    const spec = kubeletComponent(
      { dataDir: dir, pki, host: LOOPBACK, storePort: 0, apiserverPort: 0, storeMetricsPort: 0 },
      { name: 'node-1', kubeconfig, kubeletPort: 0, healthPort: 0, podManifestPath: manifests },
    );
    let output = '';
    kubelet = spawn(process.execPath, nodeArgs(spec, entry, ['--stop-pods-on-exit']), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'warn' },
    });
    kubelet.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    kubelet.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = once(kubelet, 'exit');

    // Each ran, exited, and was started again by the kubelet alone.
    for (const name of ['first', 'last'])
      await until(() => lines(join(dir, `${name}.starts`)).length >= 2, `${name} restarted:\n${output}`);
    // A manifest added while it runs starts as well.
    writeFileSync(join(manifests, 'c-later.yaml'), manifest(dir, 'later', 1));
    await until(() => lines(join(dir, 'later.starts')).length >= 2, `later started:\n${output}`);
    assert.doesNotMatch(output, /registered/, 'no apiserver, so no registration');

    kubelet.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, output);
    assert.match(output, /kubelet node-1 stopped its pods/);
    // Order 1 (first and later, in either order) strictly before order 2.
    const stopped = lines(join(dir, 'stopped'));
    assert.equal(stopped.length, 3, `every pod got SIGTERM: ${stopped.join(', ')}\n${output}`);
    assert.equal(stopped[2], 'last', `"last" stops after the others: ${stopped.join(', ')}`);
    assert.deepEqual(processesNaming(dir), [], 'no process of the pods is left');
  });
});
