/**
 * Exec end to end, one suite for every runtime (exec-kubelet.test.ts runs it on the
 * process runtime, exec-containerd.test.ts on containerd). Nothing runs in the test's
 * process: a real store and apiserver, the real kubelet process running a Pod it was
 * given through the API, and `whctl exec` as a child process or an ExecPod stream —
 * apiserver → kubelet → runtime and back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { createClientset } from '../sdk/client/typed-client.js';
import { writeClientConfig } from '../sdk/client-config.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  type ExecPodRequest,
  type ExecPodResponse,
  ExecPodStart,
} from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { type ProcessKubelet, startProcessKubelet } from '../test/process-kubelet.js';

const root = new URL('..', import.meta.url).pathname;

/** The interface the suite needs of a runtime under test. */
export interface RuntimeUnderTest {
  /** Starts what the kubelet needs; resolves to its extra flags and the pod's image. */
  start(): Promise<{ kubeletArgs: string[]; image: string }>;
  stop(): Promise<void>;
  /** Whether the runtime gives exec a terminal. */
  readonly tty: boolean;
}

export function describeExec(runtimeName: string, runtime: RuntimeUnderTest): void {
  describe(`exec through the apiserver into a pod the kubelet runs on ${runtimeName}`, () => {
    let cluster: Cluster;
    let kubelet: ProcessKubelet | undefined;
    let clients: ReturnType<typeof createClientset>;
    let adminConfig: string;

    async function until<T>(
      check: () => Promise<T | undefined | false>,
      what: string,
      ms = 30_000,
    ): Promise<T> {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await check().catch(() => undefined);
        if (v) return v;
        if (Date.now() > deadline)
          assert.fail(`timed out waiting for ${what}\n${kubelet?.output().slice(-2000) ?? ''}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    before(async () => {
      cluster = await startCluster();
      adminConfig = join(cluster.dir, 'admin-exec.yaml');
      writeClientConfig(adminConfig, cluster.admin);
      const { kubeletArgs, image } = await runtime.start();
      // Registered is enough: the pod uses the host's network, and a runtime whose pod network
      // is not ready (containerd without CNI config) keeps the node NotReady.
      kubelet = await startProcessKubelet(cluster, { args: kubeletArgs, waitFor: 'registered' });
      clients = createClientset(cluster.admin, { component: 'exec-test' });
      await clients.kind<Pod>('Pod').create(
        Pod.fromPartial({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'shell', namespace: 'default' },
          spec: {
            nodeName: 'node-1',
            hostNetwork: true,
            terminationGracePeriodSeconds: '1',
            containers: [
              { name: 'main', image, command: ['sleep', '300'], env: [{ name: 'WHO', value: 'pod' }] },
            ],
          },
        }),
      );
      await until(
        async () => (await clients.kind<Pod>('Pod').get('default', 'shell')).status?.phase === 'Running',
        'the pod to run',
      );
    });

    after(async () => {
      if (clients) {
        await clients
          .kind<Pod>('Pod')
          .delete('default', 'shell', { gracePeriodSeconds: '1' })
          .catch(() => undefined);
        await until(
          async () => (await clients.kind<Pod>('Pod').list('default')).items.length === 0,
          'the pod to be gone',
          15_000,
        ).catch(() => undefined);
        clients.close();
      }
      try {
        await kubelet?.stop();
      } finally {
        await cluster?.stop();
        await runtime.stop();
      }
    });

    function whctl(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [join(root, 'bin/whctl.js'), ...args], {
          env: { ...process.env, WHEELHOUSE_CONFIG: adminConfig },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
        });
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out, err });
        });
        child.stdin.end(stdin);
      });
    }

    // `head` rather than `cat`: containerd's v4 stream protocol cannot pass on the end of stdin.
    test('whctl exec runs in the container with its environment, stdin echoed, exit code kept', async () => {
      const r = await whctl(
        ['exec', '-i', 'shell', '--', 'sh', '-c', 'echo "I am $WHO"; head -n 1; exit 7'],
        'echoed\n',
      );
      assert.equal(r.out, 'I am pod\nechoed\n');
      assert.equal(r.err, 'command terminated with exit code 7\n');
      assert.equal(r.code, 7);
    });

    test('a terminal where the runtime offers one: raw output, its size followed, the exit code', async () => {
      const pods = cluster.client('pods') as unknown as {
        execPod(): ClientDuplexStream<ExecPodRequest, ExecPodResponse>;
      };
      const stream = pods.execPod();
      stream.write({
        message: {
          $case: 'start',
          value: ExecPodStart.fromPartial({
            namespace: 'default',
            name: 'shell',
            command: [
              'sh',
              '-c',
              'if [ -t 0 ]; then i=0; while [ "$(stty size 2>/dev/null)" != "30 100" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; stty size; else echo no-tty; fi; head -n 1; exit 5',
            ],
            stdin: true,
            stdout: true,
            stderr: true,
            tty: true,
          }),
        },
      });
      stream.write({ message: { $case: 'resize', value: { width: 100, height: 30 } } });
      let tty: boolean | undefined;
      let out = '';
      let exitCode: number | undefined;
      const ended = new Promise<void>((resolve, reject) => {
        stream.on('data', (r: ExecPodResponse) => {
          const m = r.message;
          if (m?.$case === 'started') tty = m.value.tty;
          else if (m?.$case === 'stdout') out += m.value.toString();
          else if (m?.$case === 'exit') exitCode = m.value.exitCode;
        });
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      await until(
        async () => out.includes(runtime.tty ? '30 100' : 'no-tty'),
        'the size (or its absence) to show',
      );
      stream.write({ message: { $case: 'stdin', value: Buffer.from('typed\n') } });
      await ended;
      assert.equal(tty, runtime.tty);
      assert.equal(exitCode, 5);
      // A terminal echoes what is typed and ends lines with CR LF.
      if (runtime.tty) assert.match(out, /30 100\r\n[\s\S]*typed\r\n/);
      else assert.equal(out, 'no-tty\ntyped\n');
    });
  });
}
