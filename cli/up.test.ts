/**
 * `wheelhouse up` as a real process: its kubelet runs the control plane as static pods
 * (mirrored into kube-system), whctl (also a real process) works against it with the admin
 * config it wrote, a killed apiserver is restarted by the kubelet, Ctrl-C stops every
 * process, and a second start on the same data dir keeps the objects; a kubelet that
 * cannot start fails the whole clearly.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { APISERVER_NODE_FLAGS } from '../apiserver/node-flags.js';
import { freePort } from '../test/free-port.js';
import { exitedWithOutput, isAlive, killProcess } from '../test/processes.js';
import { scrape } from '../test/scrape.js';
import { findComponentProcesses } from './up/component-processes.js';
import { READY_LINE } from './up.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const wheelhouse = join(root, 'bin', 'wheelhouse.js');

/**
 * The control plane's processes of the cluster in `dataDir`. The manifests name the launcher
 * `up` itself runs from: bin/wheelhouse.js from the sources, dist/bin/wheelhouse.js compiled.
 */
function controlPlaneProcesses(dataDir: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const script of [wheelhouse, join(root, 'dist', 'bin', 'wheelhouse.js')]) {
    for (const [name, pids] of findComponentProcesses({ node: process.execPath, script, dataDir })) {
      found.set(name, [...(found.get(name) ?? []), ...pids]);
    }
  }
  return found;
}
const whctl = join(root, 'bin', 'whctl.js');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function startUp(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Every pid seen: printed by up, or found running the control plane. */
  pids: Set<number>;
} {
  const child = spawn(process.execPath, [wheelhouse, 'up', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = exitedWithOutput(child);
  return { child, output: () => output, exited, pids: new Set() };
}

/** Records the pids up printed and those of the control plane now; returns the printed ones. */
function seePids(up: ReturnType<typeof startUp>, dataDir: string): number[] {
  const printed = [...up.output().matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  for (const pid of printed) up.pids.add(pid);
  for (const pids of controlPlaneProcesses(dataDir).values()) for (const pid of pids) up.pids.add(pid);
  return printed;
}

async function until<T>(check: () => Promise<T | undefined | false>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Resolves once the output holds `text`; rejects if the process exits first or the time runs out. */
function waitForOutput(up: ReturnType<typeof startUp>, text: string, timeoutMs = 150_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!up.output().includes(text)) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for "${text}":\n${up.output()}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`wheelhouse up exited with ${code} before printing "${text}":\n${up.output()}`));
    };
    const done = () => {
      clearTimeout(timer);
      up.child.stdout?.off('data', check);
      up.child.off('exit', onExit);
    };
    up.child.stdout?.on('data', check);
    up.child.on('exit', onExit);
    check();
  });
}

/** The server and credentials of a kubeconfig up wrote (one cluster, one user). */
function readKubeconfig(path: string): { server: string; ca: Buffer; cert: Buffer; key: Buffer } {
  const doc = parseYaml(readFileSync(path, 'utf8'));
  const cluster = doc.clusters[0].cluster;
  const user = doc.users[0].user;
  const data = (b64: string) => Buffer.from(b64, 'base64');
  return {
    server: cluster.server,
    ca: data(cluster['certificate-authority-data']),
    cert: data(user['client-certificate-data']),
    key: data(user['client-key-data']),
  };
}

/** GETs `path` of the REST API as a Kubernetes client would with that kubeconfig. */
function getWithKubeconfig(kubeconfig: string, path: string): Promise<{ status: number; body: string }> {
  const { server, ca, cert, key } = readKubeconfig(kubeconfig);
  return new Promise((resolve, reject) => {
    const req = httpsGet(new URL(path, server), { ca, cert, key, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * After a failed test: up's components run in process groups of their own, so killing
 * up alone would leave them running. Ask up to stop them, then kill what remains.
 */
async function stopEverything(up: ReturnType<typeof startUp>): Promise<void> {
  if (up.child.exitCode === null && up.child.signalCode === null) {
    up.child.kill('SIGTERM');
    await Promise.race([up.exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  }
  up.child.kill('SIGKILL');
  for (const pid of up.pids) killProcess(pid);
}

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-up-'));
  dirs.push(dir);
  return dir;
};

describe('wheelhouse up', () => {
  it('runs the control plane as static pods, serves whctl, survives a killed apiserver, and stops on Ctrl-C', {
    timeout: 400_000,
  }, async () => {
    const dataDir = tempDir();
    const apiserverPort = String(await freePort());
    const storePort = String(await freePort());
    const args = [
      '--data-dir',
      dataDir,
      '--port',
      apiserverPort,
      '--store-port',
      storePort,
      '--node-name',
      'local',
    ];
    const up = startUp([...args, '--nodes', '1']);
    const config = join(dataDir, 'admin.yaml');
    const run = (...a: string[]) =>
      promisify(execFile)(process.execPath, [whctl, ...a], {
        cwd: dataDir,
        env: { ...process.env, WHEELHOUSE_CONFIG: config },
      });
    try {
      await waitForOutput(up, READY_LINE);
      const pids = seePids(up, dataDir);
      // store, apiserver, controller manager, scheduler (static pods), two kubelets
      assert.equal(pids.length, 6, up.output());
      const apiserverPid = Number(/\n {2}apiserver +\S+ +\(pid (\d+)\)/.exec(up.output())?.[1]);
      // ps shows the flags the manifest gives.
      const argv = readFileSync(`/proc/${apiserverPid}/cmdline`, 'utf8').split('\0');
      for (const flag of [...APISERVER_NODE_FLAGS, '--secure-port', apiserverPort])
        assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
      const manifests = join(dataDir, 'manifests');
      assert.match(up.output(), new RegExp(`manifests +${manifests}\n`));
      for (const file of [
        'wheelhouse-store',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-scheduler',
      ]) {
        const text = readFileSync(join(manifests, `${file}.yaml`), 'utf8');
        assert.match(text, /\n {4}tier: control-plane\n/);
        assert.match(text, /\n {2}priorityClassName: system-node-critical\n/);
        assert.match(text, /\n {2}hostNetwork: true\n/);
        assert.match(text, /\n +livenessProbe:\n/);
      }
      assert.ok(existsSync(config));
      assert.match(up.output(), new RegExp(`export WHEELHOUSE_CONFIG=${config}`));

      // The mirror pods: the control plane as the API sees it, Running on this node.
      const mirrors = [
        'wheelhouse-apiserver-local',
        'wheelhouse-controller-manager-local',
        'wheelhouse-scheduler-local',
        'wheelhouse-store-local',
      ];
      const system = await until(async () => {
        const out = (await run('get', 'pods', '-n', 'kube-system')).stdout;
        return mirrors.every((m) => new RegExp(`\n${m} +1/1 +Running +0 `).test(out)) ? out : undefined;
      }, 'the four mirror pods Running');
      assert.match(system, /^NAME +READY +STATUS +RESTARTS +AGE\n/);

      writeFileSync(
        join(dataDir, 'kept.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata:\n  color: blue\n',
      );
      assert.equal((await run('apply', '-f', 'kept.yaml')).stdout, 'configmap/kept created\n');

      // The local node runs user pods on the process runtime: the image names an executable.
      writeFileSync(
        join(dataDir, 'pod.yaml'),
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  nodeName: local\n  containers:\n    - name: main\n      image: sh\n      command: ["sh", "-c", "echo hello from web; exec sleep 600"]\n',
      );
      assert.equal((await run('apply', '-f', 'pod.yaml')).stdout, 'pod/web created\n');
      await until(
        async () => /\nweb +1\/1 +Running +0 /.test((await run('get', 'pods')).stdout),
        'the user pod Running',
      );
      // This machine's node and one more, each its own kubelet, both schedulable.
      assert.match((await run('get', 'nodes')).stdout, /^NAME .*\nlocal +Ready .*\nlocal-1 +Ready /);
      let logs = '';
      await until(async () => {
        logs = (await run('logs', 'web')).stdout;
        return logs.includes('hello');
      }, 'the pod logs');
      assert.equal(logs, 'hello from web\n');
      const deleted = await run('delete', 'pod', 'web');
      assert.equal(deleted.stdout, 'pod "web" deleted\n');

      // The printed scrape commands work, and nothing less does.
      const scrapes = [
        ...up.output().matchAll(/curl --cacert (\S+) --cert (\S+) --key (\S+) \\\n +(https:\S+)/g),
      ];
      assert.equal(scrapes.length, 2, up.output());
      for (const [, ca, certFile, keyFile, url] of scrapes) {
        const ok = await scrape(url!, { ca: ca!, cert: { certFile: certFile!, keyFile: keyFile! } });
        assert.equal(ok.status, 200, `${url}: ${ok.body}`);
        assert.match(ok.body, /grpc_server_handled_total/);
        assert.equal((await scrape(url!, { ca: ca! })).status, 401);
      }

      // A crashed apiserver is restarted by the kubelet; its mirror counts the restart.
      process.kill(apiserverPid, 'SIGKILL');
      await until(
        async () => {
          const out = (await run('get', 'pods', '-n', 'kube-system')).stdout;
          return /\nwheelhouse-apiserver-local +1\/1 +Running +1 /.test(out);
        },
        'the apiserver restarted, restartCount 1',
        120_000,
      );
      assert.equal(isAlive(apiserverPid), false);
      // The runtime reports the container running once its wrapper runs; the component's own
      // process follows a moment later.
      await until(
        async () => {
          seePids(up, dataDir);
          return up.pids.size > pids.length;
        },
        'a new apiserver process',
        30_000,
      );
      assert.match((await run('get', 'configmap', 'kept')).stdout, /\nkept +1 +\d+[sm]\n/);

      up.child.kill('SIGINT');
      assert.equal(await up.exited, 0, up.output());
      assert.match(up.output(), /stopped\n$/);
      for (const pid of up.pids) assert.equal(isAlive(pid), false, `pid ${pid} is still running`);
    } finally {
      await stopEverything(up);
    }

    // The same data dir again: the store's data is there.
    const again = startUp(args);
    try {
      await waitForOutput(again, READY_LINE);
      seePids(again, dataDir);
      assert.match((await run('get', 'configmap', 'kept', '-o', 'yaml')).stdout, /\n {2}color: blue\n/);
      again.child.kill('SIGINT');
      assert.equal(await again.exited, 0, again.output());
      for (const pid of again.pids) assert.equal(isAlive(pid), false, `pid ${pid} is still running`);
    } finally {
      await stopEverything(again);
    }
  });

  it('picks free ports for --port 0, --rest-port 0 and --store-port 0, and keeps them for the next start', {
    timeout: 400_000,
  }, async () => {
    const dataDir = tempDir();
    const args = ['--data-dir', dataDir, '--port', '0', '--rest-port', '0', '--store-port', '0'];
    const kubeconfig = join(dataDir, 'kubeconfig');
    const admin = join(dataDir, 'admin.yaml');
    for (const start of ['first', 'second']) {
      const up = startUp([...args, '--node-name', 'local']);
      try {
        await waitForOutput(up, READY_LINE);
        seePids(up, dataDir);
        const server = new URL(readKubeconfig(kubeconfig).server);
        const restPort = Number(server.port);
        assert.ok(restPort > 0, `${start} start: the kubeconfig names a port (${server.href})`);
        assert.match(up.output(), new RegExp(`\n {2}rest api +https://127\\.0\\.0\\.1:${restPort} `));
        // Kept for the next start, which uses it again while it is free (else picks and rewrites).
        assert.equal(
          JSON.parse(readFileSync(join(dataDir, 'ports.json'), 'utf8'))['apiserver-rest'],
          restPort,
        );
        // The REST API answers where the kubeconfig says, to the kubeconfig's own credentials.
        const version = await getWithKubeconfig(kubeconfig, '/version');
        assert.equal(version.status, 200, version.body);
        assert.match(JSON.parse(version.body).gitVersion, /^v\d+\.\d+\.\d+/);
        // gRPC, through the port the admin config names.
        const grpcPort = Number(/\n {2}apiserver +127\.0\.0\.1:(\d+) /.exec(up.output())?.[1]);
        assert.ok(grpcPort > 0 && grpcPort !== restPort, up.output());
        assert.match(readFileSync(admin, 'utf8'), new RegExp(`server: 127\\.0\\.0\\.1:${grpcPort}\n`));
        const ns = await promisify(execFile)(process.execPath, [whctl, 'get', 'namespaces'], {
          env: { ...process.env, WHEELHOUSE_CONFIG: admin },
        });
        assert.match(ns.stdout, /\nkube-system +Active/);
        up.child.kill('SIGINT');
        assert.equal(await up.exited, 0, up.output());
        for (const pid of up.pids) assert.equal(isAlive(pid), false, `pid ${pid} is still running`);
      } finally {
        await stopEverything(up);
      }
    }
  });

  it('fails with a clear message, and leaves nothing running, when a kubelet cannot start', {
    timeout: 120_000,
  }, async () => {
    const dataDir = tempDir();
    // No CRI runtime answers there: the local node's kubelet exits at once.
    const up = startUp([
      '--data-dir',
      dataDir,
      '--port',
      String(await freePort()),
      '--store-port',
      String(await freePort()),
      '--node-name',
      'local',
      '--container-runtime-endpoint',
      `unix://${join(dataDir, 'no-such.sock')}`,
    ]);
    try {
      assert.equal(await up.exited, 1, up.output());
      assert.match(up.output(), /wheelhouse up: kubelet-local exited unexpectedly \(exit code 1\)/);
      assert.ok(
        existsSync(join(dataDir, 'admin.yaml')),
        'the admin config is written before anything starts',
      );
      assert.ok(existsSync(join(dataDir, 'manifests', 'kube-apiserver.yaml')));
      const left = controlPlaneProcesses(dataDir);
      assert.deepEqual([...left.keys()], [], 'no control-plane process is left');
    } finally {
      await stopEverything(up);
    }
  });

  it('refuses bad flags before doing anything', async () => {
    const dataDir = join(tempDir(), 'never');
    const up = startUp(['--data-dir', dataDir, '--port', '65536']);
    assert.equal(await up.exited, 1);
    assert.match(up.output(), /--port must be a port number between 1 and 65535, or 0 for a free one/);
    assert.equal(existsSync(dataDir), false);
  });
});
