/**
 * The kubelet as a real process on the process runtime, against a real store and
 * apiserver: it registers a Ready node and renews its lease, runs a pod with its env and
 * volumes and reports its status, runs init containers in order, backs off a crashing
 * container, stops a deleted pod gracefully and confirms the delete, and, SIGKILLed and
 * started again, adopts its running containers without restarting them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { createClientset } from '../sdk/client/typed-client.js';
import type { Lease } from '../sdk/gen/wheelhouse/coordination/v1/lease.js';
import { ConfigMap } from '../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Event } from '../sdk/gen/wheelhouse/core/v1/event.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { GetPodLogsRequest } from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { Secret } from '../sdk/gen/wheelhouse/core/v1/secret.js';
import { Service } from '../sdk/gen/wheelhouse/core/v1/service.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { freePort } from '../test/free-port.js';
import { type ProcessKubelet, startProcessKubelet } from '../test/process-kubelet.js';

async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 20_000,
): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > ms)
      assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kubelet on the process runtime', () => {
  let cluster: Cluster;
  let kubelet: ProcessKubelet | undefined;
  let manifests = '';
  let clients: ReturnType<typeof createClientset>;
  const pods = () => clients.kind<Pod>('Pod');
  const podNamed = (name: string) => pods().get('default', name);
  const containerStatus = async (pod: string, container: string) =>
    (await podNamed(pod)).status?.containerStatuses.find((c) => c.name === container);

  before(async () => {
    cluster = await startCluster();
    manifests = join(cluster.dir, 'manifests');
    mkdirSync(manifests, { recursive: true });
    clients = createClientset(cluster.admin, { component: 'kubelet-test' });
    kubelet = await startProcessKubelet(cluster, {
      podManifestPath: manifests,
      args: [
        '--node-status-update-frequency',
        '1s',
        '--crash-loop-backoff-initial',
        '1s',
        '--crash-loop-backoff-max',
        '4s',
      ],
    });
  });
  after(async () => {
    try {
      // Ends every pod's processes with the kubelet, adopted ones too.
      await kubelet?.stop();
    } finally {
      clients?.close();
      await cluster?.stop();
    }
  });

  test('registers a Ready node with its capacity, addresses and endpoint, and renews its lease', async () => {
    const n = await until(async () => {
      const got = await clients.kind<Node>('Node').get('', 'node-1');
      return got.status?.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? got : undefined;
    }, 'a Ready node');
    assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], 'node-1');
    assert.equal(n.metadata?.labels?.['kubernetes.io/os'], 'linux');
    assert.ok(Number(n.status?.capacity.cpu) >= 1);
    assert.equal(n.status?.capacity.pods, '110');
    assert.deepEqual(n.status?.addresses.find((a) => a.type === 'InternalIP')?.address, '127.0.0.1');
    assert.ok((n.status?.daemonEndpoints?.kubeletEndpoint?.port ?? 0) > 0);
    assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^wheelhouse-process:\/\//);
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      assert.ok(
        n.status?.conditions.some((c) => c.type === type),
        type,
      );
    }
    const leases = clients.kind<Lease>('Lease');
    const first = await until(() => leases.get('kube-node-lease', 'node-1'), 'the lease');
    assert.equal(first.spec?.holderIdentity, 'node-1');
    assert.equal(first.spec?.leaseDurationSeconds, 40);
    await until(async () => {
      const again = await leases.get('kube-node-lease', 'node-1');
      return (again.spec?.renewTime?.getTime() ?? 0) > (first.spec?.renewTime?.getTime() ?? 0);
    }, 'a renewal');
    // What `describe node` shows: the kubelet's start and each condition as it was first set.
    const reasons = await until(async () => {
      const about = (await clients.kind<Event>('Event').list('default')).items.filter(
        (e) => e.involvedObject?.kind === 'Node' && e.involvedObject.name === 'node-1',
      );
      const seen = about.map((e) => e.reason);
      return seen.includes('Starting') && seen.includes('NodeReady') ? about : undefined;
    }, 'the node Events');
    const byReason = new Map(reasons.map((e) => [e.reason, e]));
    for (const reason of ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID'])
      assert.ok(byReason.has(reason), `${reason} in ${[...byReason.keys()]}`);
    assert.equal(byReason.get('NodeReady')?.message, 'Node node-1 status is now: NodeReady');
    assert.equal(byReason.get('NodeReady')?.involvedObject?.uid, n.metadata?.uid);
    assert.equal(byReason.get('Starting')?.message, 'Starting kubelet.');
  });

  test('runs a pod with env from values, fields, a ConfigMap and a Secret, and its volumes', async () => {
    await clients.kind<ConfigMap>('ConfigMap').create(
      ConfigMap.fromPartial({
        metadata: { name: 'app-config', namespace: 'default' },
        data: { greeting: 'hello', 'app.conf': 'x=1' },
      }),
    );
    await clients.kind<Secret>('Secret').create(
      Secret.fromPartial({
        metadata: { name: 'app-secret', namespace: 'default' },
        data: { password: Buffer.from('s3cret') },
      }),
    );
    // A Service of the namespace: the container finds it through its service link variables.
    const db = await clients.kind<Service>('Service').create(
      Service.fromPartial({
        metadata: { name: 'db-main', namespace: 'default' },
        spec: { ports: [{ name: 'pg', port: 5432 }] },
      }),
    );
    await pods().create(
      Pod.fromPartial({
        metadata: { name: 'env-pod', namespace: 'default', labels: { app: 'env' } },
        spec: {
          nodeName: 'node-1',
          containers: [
            {
              name: 'main',
              image: 'sh',
              imagePullPolicy: 'IfNotPresent',
              command: [
                'sh',
                '-c',
                'echo "GREETING=$greeting POD=$POD_NAME NS=$NS APP=$APP PW=$PW PLAIN=$PLAIN DB=$DB_MAIN_SERVICE_HOST:$DB_MAIN_SERVICE_PORT_PG $DB_MAIN_PORT"; exec sleep 600',
              ],
              env: [
                { name: 'PLAIN', value: 'v-$(greeting)' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
                { name: 'PW', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } },
              ],
              envFrom: [{ prefix: '', configMapRef: { name: 'app-config' } }],
              volumeMounts: [
                { name: 'config', mountPath: '/etc/app' },
                { name: 'scratch', mountPath: '/scratch' },
                { name: 'info', mountPath: '/etc/podinfo' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: 'app-config', items: [] } },
            { name: 'scratch', emptyDir: {} },
            {
              name: 'info',
              downwardApi: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
            },
          ],
        },
      }),
    );
    const running = await until(async () => {
      const p = await podNamed('env-pod');
      return p.status?.phase === 'Running' &&
        p.status.conditions.find((c) => c.type === 'Ready')?.status === 'True'
        ? p
        : undefined;
    }, 'env-pod Running and Ready');
    const s = running.status;
    assert.equal(s?.hostIp, '127.0.0.1');
    assert.equal(s?.podIp, '127.0.0.1');
    assert.ok(s?.startTime);
    const cs = s?.containerStatuses[0];
    assert.ok(cs?.state?.running?.startedAt);
    assert.equal(cs?.ready, true);
    assert.equal(cs?.started, true);
    assert.equal(cs?.restartCount, 0);
    assert.match(cs?.containerId ?? '', /^wheelhouse-process:\/\//);
    for (const type of [
      'PodScheduled',
      'PodReadyToStartContainers',
      'Initialized',
      'ContainersReady',
      'Ready',
    ]) {
      assert.equal(s?.conditions.find((c) => c.type === type)?.status, 'True', type);
    }
    const uid = running.metadata?.uid ?? '';
    const root = join(cluster.dir, 'kubelet-node-1');
    const log = await until(() => {
      const dir = join(root, 'logs', `default_env-pod_${uid}`, 'main', '0.log');
      return existsSync(dir) && readFileSync(dir, 'utf8').includes('GREETING')
        ? readFileSync(dir, 'utf8')
        : undefined;
    }, 'the container log');
    assert.match(log, /GREETING=hello POD=env-pod NS=default APP=env PW=s3cret PLAIN=v-hello/);
    const ip = db.spec?.clusterIp ?? '';
    assert.ok(log.includes(`DB=${ip}:5432 tcp://${ip}:5432`), log);
    const volumes = join(root, 'pods', uid, 'volumes');
    assert.equal(readFileSync(join(volumes, 'kubernetes.io~configmap', 'config', 'app.conf'), 'utf8'), 'x=1');
    assert.equal(
      readFileSync(join(volumes, 'kubernetes.io~downward-api', 'info', 'labels'), 'utf8'),
      'app="env"',
    );
    assert.ok(existsSync(join(volumes, 'kubernetes.io~empty-dir', 'scratch')));
  });

  test('init containers run one by one, in order, before the app container', async () => {
    await pods().create(
      Pod.fromPartial({
        metadata: { name: 'init-pod', namespace: 'default' },
        spec: {
          nodeName: 'node-1',
          initContainers: [
            {
              name: 'first',
              image: 'sh',
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', 'sleep 0.3; echo first'],
            },
            {
              name: 'second',
              image: 'sh',
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', 'echo second'],
            },
          ],
          containers: [
            { name: 'app', image: 'sh', imagePullPolicy: 'IfNotPresent', command: ['sleep', '600'] },
          ],
        },
      }),
    );
    const p = await until(async () => {
      const got = await podNamed('init-pod');
      return got.status?.phase === 'Running' ? got : undefined;
    }, 'init-pod Running');
    const [first, second] = p.status?.initContainerStatuses ?? [];
    assert.equal(first?.state?.terminated?.reason, 'Completed');
    assert.equal(second?.state?.terminated?.exitCode, 0);
    const f = first?.state?.terminated?.finishedAt?.getTime() ?? 0;
    const s = second?.state?.terminated?.startedAt?.getTime() ?? 0;
    assert.ok(s >= f, `the second started (${s}) after the first finished (${f})`);
    assert.equal(p.status?.conditions.find((c) => c.type === 'Initialized')?.status, 'True');
  });

  test('a crashing container is restarted with a growing back-off (CrashLoopBackOff)', async () => {
    await pods().create(
      Pod.fromPartial({
        metadata: { name: 'crash-pod', namespace: 'default' },
        spec: {
          nodeName: 'node-1',
          containers: [
            { name: 'crash', image: 'sh', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'exit 3'] },
          ],
        },
      }),
    );
    const waiting = await until(async () => {
      const c = await containerStatus('crash-pod', 'crash');
      return c?.state?.waiting?.reason === 'CrashLoopBackOff' && c.restartCount >= 1 ? c : undefined;
    }, 'CrashLoopBackOff');
    assert.equal(waiting.lastState?.terminated?.exitCode, 3);
    assert.equal(waiting.lastState?.terminated?.reason, 'Error');
    await until(
      async () => ((await containerStatus('crash-pod', 'crash'))?.restartCount ?? 0) >= 3,
      'more restarts',
    );
    assert.equal(
      (await podNamed('crash-pod')).status?.phase,
      'Running',
      'restartPolicy Always keeps it Running',
    );
  });

  test('a failing image pull waits in ErrImagePull / ImagePullBackOff', async () => {
    await pods().create(
      Pod.fromPartial({
        metadata: { name: 'pull-pod', namespace: 'default' },
        spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'no-such-command-here:1.0' }] },
      }),
    );
    const c = await until(async () => {
      const got = await containerStatus('pull-pod', 'app');
      const reason = got?.state?.waiting?.reason;
      return reason === 'ErrImagePull' || reason === 'ImagePullBackOff' ? got : undefined;
    }, 'ErrImagePull');
    assert.match(c.state?.waiting?.message ?? '', /no-such-command-here/);
    assert.equal((await podNamed('pull-pod')).status?.phase, 'Pending');
  });

  test('a SIGKILLed kubelet adopts its running containers without restarting them', async () => {
    const before = await containerStatus('env-pod', 'main');
    assert.ok(before?.state?.running);
    await kubelet?.restart();
    // A few relists later, the same container still runs, not restarted.
    await new Promise((r) => setTimeout(r, 3_000));
    const afterRestart = await containerStatus('env-pod', 'main');
    assert.equal(afterRestart?.containerId, before.containerId);
    assert.equal(afterRestart?.restartCount, 0);
    assert.ok(afterRestart?.state?.running);
  });

  test('a deleted pod is stopped gracefully, and the kubelet confirms the delete', async () => {
    // A long grace period, so that a stop by SIGTERM (sleep ends on it) is told apart from
    // the SIGKILL at its end even when a loaded machine is slow to pass the delete on.
    await pods().delete('default', 'init-pod', { gracePeriodSeconds: '20' });
    const start = Date.now();
    await until(
      async () => {
        try {
          await podNamed('init-pod');
          return false;
        } catch {
          return true;
        }
      },
      'the pod gone from the API',
      30_000,
    );
    const took = Date.now() - start;
    assert.ok(took < 15_000, `sleep stops on SIGTERM, well before the 20 s grace period ends: ${took} ms`);
  });

  test("the pod's log reaches a user through the apiserver", async () => {
    const text = await new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      const client = cluster.client('pods') as unknown as {
        getPodLogs(r: GetPodLogsRequest): ClientReadableStream<{ data: Buffer }>;
      };
      const s = client.getPodLogs(
        GetPodLogsRequest.fromPartial({ namespace: 'default', name: 'env-pod', container: 'main' }),
      );
      s.on('data', (m) => parts.push(m.data));
      s.on('error', (e: { details: string }) => resolve(`error: ${e.details}`));
      s.on('end', () => resolve(Buffer.concat(parts).toString()));
    });
    assert.match(text, /GREETING=hello POD=env-pod/);
  });

  test('probes: httpGet readiness, exec readiness, and a failing tcpSocket liveness probe restarting its container', async () => {
    const port = await freePort();
    const closed = await freePort();
    await pods().create(
      Pod.fromPartial({
        metadata: { name: 'probe-pod', namespace: 'default' },
        spec: {
          nodeName: 'node-1',
          containers: [
            {
              name: 'web',
              image: 'python3',
              imagePullPolicy: 'IfNotPresent',
              command: ['python3', '-m', 'http.server', String(port), '--bind', '127.0.0.1'],
              readinessProbe: {
                httpGet: { path: '/', port: { value: { $case: 'intVal', value: port } } },
                periodSeconds: 1,
              },
            },
            {
              name: 'unready',
              image: 'sh',
              imagePullPolicy: 'IfNotPresent',
              command: ['sleep', '600'],
              readinessProbe: { exec: { command: ['sh', '-c', 'exit 1'] }, periodSeconds: 1 },
            },
            {
              name: 'dead',
              image: 'sh',
              imagePullPolicy: 'IfNotPresent',
              command: ['sleep', '600'],
              livenessProbe: {
                tcpSocket: { port: { value: { $case: 'intVal', value: closed } } },
                periodSeconds: 1,
                failureThreshold: 2,
                terminationGracePeriodSeconds: '1',
              },
            },
          ],
        },
      }),
    );
    await until(
      async () => (await containerStatus('probe-pod', 'web'))?.ready === true,
      'web ready by its httpGet probe',
    );
    await until(
      async () => ((await containerStatus('probe-pod', 'dead'))?.restartCount ?? 0) >= 1,
      'dead restarted by its liveness probe',
      30_000,
    );
    const unready = await containerStatus('probe-pod', 'unready');
    assert.equal(unready?.ready, false);
    assert.ok(unready?.state?.running, 'a readiness failure does not restart');
    const p = await podNamed('probe-pod');
    assert.equal(p.status?.conditions.find((c) => c.type === 'Ready')?.status, 'False');
    assert.match(p.status?.conditions.find((c) => c.type === 'ContainersReady')?.message ?? '', /unready/);
    const eventsOf = async () =>
      (await clients.kind<Event>('Event').list('default')).items.filter(
        (e) => e.involvedObject?.name === 'probe-pod',
      );
    await until(
      async () =>
        (await eventsOf()).some((e) => e.reason === 'Unhealthy' && /Liveness probe failed/.test(e.message)),
      'an Unhealthy event',
    );
    await until(
      async () =>
        (await eventsOf()).some((e) => e.reason === 'Killing' && /failed liveness probe/.test(e.message)),
      'a Killing event',
    );
  });

  test('a static pod runs from its manifest, is mirrored into the API, and goes with its file', async () => {
    const file = join(manifests, 'static-web.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  name: static-web',
        '  namespace: default',
        'spec:',
        '  containers:',
        '  - name: web',
        '    image: sh',
        '    imagePullPolicy: IfNotPresent',
        '    command: ["sleep", "600"]',
        '',
      ].join('\n'),
    );
    const mirror = await until(async () => {
      const m = await podNamed('static-web-node-1');
      return m.status?.phase === 'Running' ? m : undefined;
    }, 'the mirror pod Running');
    assert.ok(mirror.metadata?.annotations?.['kubernetes.io/config.mirror'], 'the mirror annotation');
    assert.equal(mirror.metadata?.annotations?.['kubernetes.io/config.source'], 'file');
    rmSync(file);
    await until(async () => {
      try {
        await podNamed('static-web-node-1');
        return false;
      } catch {
        return true;
      }
    }, 'the mirror pod gone with its file');
  });
});
