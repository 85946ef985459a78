/**
 * `wheelhouse up` as a real process: the cluster comes up, whctl (also a real
 * process) works against it with the admin config it wrote, and Ctrl-C stops
 * every component; a component that cannot start fails the whole clearly.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { APISERVER_NODE_FLAGS } from '../apiserver/node-flags.js';
import { freePort } from '../test/free-port.js';
import { scrape } from '../test/scrape.js';
import { READY_LINE } from './up.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const wheelhouse = join(root, 'bin', 'wheelhouse.js');
const whctl = join(root, 'bin', 'whctl.js');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function startUp(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
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
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

/** Resolves once the output holds `text`; rejects if the process exits first or the time runs out. */
function waitForOutput(up: ReturnType<typeof startUp>, text: string, timeoutMs = 90_000): Promise<void> {
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

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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
  for (const m of up.output().matchAll(/\(pid (\d+)\)/g)) {
    const pid = Number(m[1]);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-up-'));
  dirs.push(dir);
  return dir;
};

describe('wheelhouse up', () => {
  it('brings up the control plane, serves whctl, and stops every component on Ctrl-C', {
    timeout: 150_000,
  }, async () => {
    const dataDir = tempDir();
    const up = startUp([
      '--data-dir',
      dataDir,
      '--port',
      String(await freePort()),
      '--store-port',
      String(await freePort()),
      '--node-name',
      'local',
      '--nodes',
      '1',
    ]);
    try {
      await waitForOutput(up, READY_LINE);
      const pids = [...up.output().matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
      assert.equal(pids.length, 6, up.output()); // store, apiserver, controller manager, scheduler, two kubelets
      const apiserverPid = Number(/apiserver +\S+ +\(pid (\d+)\)/.exec(up.output())?.[1]);
      if (existsSync(`/proc/${apiserverPid}/cmdline`)) {
        const argv = readFileSync(`/proc/${apiserverPid}/cmdline`, 'utf8').split('\0');
        for (const flag of APISERVER_NODE_FLAGS)
          assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
      }
      const config = join(dataDir, 'admin.yaml');
      assert.ok(existsSync(config));
      assert.match(up.output(), new RegExp(`export WHEELHOUSE_CONFIG=${config}`));

      const run = (...args: string[]) =>
        promisify(execFile)(process.execPath, [whctl, ...args], {
          cwd: dataDir,
          env: { ...process.env, WHEELHOUSE_CONFIG: config },
        });
      // The local node runs pods on the process runtime: the image names an executable.
      writeFileSync(
        join(dataDir, 'pod.yaml'),
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: main\n      image: sh\n      command: ["sh", "-c", "echo hello from web; exec sleep 600"]\n',
      );
      assert.equal((await run('apply', '-f', 'pod.yaml')).stdout, 'pod/web created\n');
      assert.equal((await run('apply', '-f', 'pod.yaml')).stdout, 'pod/web unchanged\n');
      // Scheduled onto this machine's node and started by its kubelet.
      let pods = '';
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        pods = (await run('get', 'pods', '-A')).stdout;
        if (/Running/.test(pods)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.match(
        pods,
        /^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE\ndefault +web +1\/1 +Running +0 +\d+s\n$/,
      );
      // This machine's node and one more, each its own kubelet.
      assert.match((await run('get', 'nodes')).stdout, /^NAME .*\nlocal +Ready .*\nlocal-1 +Ready /);
      // Its output through the apiserver and the kubelet; its story in describe.
      let logs = '';
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !logs.includes('hello'); )
        logs = (await run('logs', 'web')).stdout;
      assert.equal(logs, 'hello from web\n');
      const described = (await run('describe', 'pod', 'web')).stdout;
      assert.match(described, /^Name: +web\nNamespace: +default\n/);
      assert.match(described, /\nStatus: +Running\n/);
      assert.match(described, /\n {4}State: +Running\n/);
      assert.match(
        described,
        /Normal +Scheduled +\S+ +default-scheduler +Successfully assigned default\/web to /,
      );
      assert.match(described, /Normal +Started +\S+ +kubelet +Started container main/);
      assert.match(
        (await run('describe', 'nodes')).stdout,
        /Non-terminated Pods: +\(1 in total\)\n[\s\S]*default +web /,
      );
      assert.equal((await run('delete', 'pod', 'web')).stdout, 'pod "web" deleted\n');

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

      up.child.kill('SIGINT');
      assert.equal(await up.exited, 0, up.output());
      assert.match(up.output(), /stopped\n$/);
      for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} is still running`);
    } finally {
      await stopEverything(up);
    }
  });

  it('fails with a clear message, and leaves nothing running, when a component cannot start', {
    timeout: 60_000,
  }, async () => {
    const dataDir = tempDir();
    // The store's port is taken: the store exits at once.
    const blocker: Server = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const up = startUp([
        '--data-dir',
        dataDir,
        '--port',
        String(await freePort()),
        '--store-port',
        String(port),
      ]);
      assert.equal(await up.exited, 1, up.output());
      assert.match(up.output(), /wheelhouse up: store exited unexpectedly \(exit code 1\)/);
      assert.ok(
        existsSync(join(dataDir, 'admin.yaml')),
        'the admin config is written before anything starts',
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses bad flags before doing anything', async () => {
    const dataDir = join(tempDir(), 'never');
    const up = startUp(['--data-dir', dataDir, '--port', '0']);
    assert.equal(await up.exited, 1);
    assert.match(up.output(), /--port must be a port number/);
    assert.equal(existsSync(dataDir), false);
  });
});
