/**
 * `whctl wait`, `get all` and `cluster-info` against the real store and apiserver
 * processes (test/cluster.ts): conditions met as the watch delivers them, timeouts
 * with kubectl's message and exit code, deletions, JSONPath values.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connectionFor, createApiClient, PatchType } from '../../../sdk/client/dynamic-client.js';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { resolveResource } from '../../../sdk/kinds.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { runWhctl } from '../main.js';
import { testIo } from '../test-io.js';

const cluster: Cluster = await startCluster();
const config = join(cluster.dir, 'whctl.yaml');
writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
const api = createApiClient(
  connectionFor({ ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' }),
);
after(async () => {
  api.close();
  await cluster.stop();
});
const pods = resolveResource('pods');
if (!pods) throw new Error('no pods kind');

const run = async (args: string[], io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } })) => {
  const code = await runWhctl(args, io);
  return Object.assign(io, { code });
};

const pod = (name: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { app: waited }
spec:
  containers:
    - name: main
      image: nginx:1.27
`;

async function create(name: string): Promise<void> {
  writeFileSync(join(cluster.dir, `${name}.yaml`), pod(name));
  const created = await run(['apply', '-f', `${name}.yaml`]);
  assert.equal(created.code, 0, created.err());
}

async function setReady(name: string, status: 'True' | 'False'): Promise<void> {
  const now = new Date().toISOString();
  const condition = { type: 'Ready', status, lastTransitionTime: now };
  await api.patch(
    pods as NonNullable<typeof pods>,
    'default',
    name,
    PatchType.PATCH_TYPE_MERGE,
    {
      status: { conditions: [condition] },
    },
    { status: true },
  );
}

describe('whctl wait', () => {
  it('times out with kubectl message and exit 1, naming the object', async () => {
    await create('slow');
    const started = Date.now();
    const res = await run(['wait', 'pod/slow', '--for=condition=Ready', '--timeout=1s']);
    assert.equal(res.code, 1);
    assert.equal(res.out(), '');
    assert.equal(res.err(), 'error: timed out waiting for the condition on pods/slow\n');
    assert.ok(Date.now() - started < 5_000, 'the timeout ends the wait');
  });

  it('a condition met while waiting is seen through the watch; =false and values compare', async () => {
    await create('ready');
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const waiting = run(['wait', 'pods', 'ready', '--for', 'condition=Ready', '--timeout=20s'], io);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(io.out(), '');
    await setReady('ready', 'False');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(io.out(), '', 'Ready=False does not meet condition=Ready');
    await setReady('ready', 'True');
    const done = await waiting;
    assert.equal(done.code, 0, done.err());
    assert.equal(done.out(), 'pod/ready condition met\n');
    const unready = await run(['wait', 'pod/slow', '--for=condition=ready=false', '--timeout=0']);
    assert.equal(unready.code, 1, 'no Ready condition at all is not Ready=false');
  });

  it('-l with a JSONPath value: every matching object, each reported once', async () => {
    const res = await run([
      'wait',
      'pods',
      '-l',
      'app=waited',
      "--for=jsonpath='{.status.phase}'=Pending",
      '--timeout=5s',
    ]);
    assert.equal(res.code, 0, res.err());
    assert.deepEqual(res.out().split('\n').sort(), ['', 'pod/ready condition met', 'pod/slow condition met']);
    const none = await run(['wait', 'pods', '-l', 'app=nothing', '--for=condition=Ready']);
    assert.equal(none.code, 1);
    assert.equal(none.err(), 'error: no matching resources found\n');
  });

  it('--for=delete ends when the object is gone; a missing object is an error for a condition', async () => {
    await create('doomed');
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const waiting = run(['wait', 'pod/doomed', '--for=delete', '--timeout=20s'], io);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(io.out(), '');
    await api.delete(pods, 'default', 'doomed', { gracePeriodSeconds: '0' });
    const done = await waiting;
    assert.equal(done.code, 0, done.err());
    assert.equal(done.out(), 'pod/doomed condition met\n');
    const gone = await run(['wait', 'pod/doomed', '--for=condition=Ready', '--timeout=1s']);
    assert.equal(gone.code, 1);
    assert.match(gone.err(), /NotFound.*pods "doomed" not found/);
    const bad = await run(['wait', 'pod/x', '--for=ready']);
    assert.equal(bad.code, 1);
    assert.match(bad.err(), /unrecognized condition: "ready"/);
  });
});

describe('whctl get all', () => {
  it('prints one table per kind that has objects, services among them, names as kind/name', async () => {
    writeFileSync(
      join(cluster.dir, 'deploy.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: main, image: nginx:1.27 }] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`,
    );
    assert.equal((await run(['apply', '-f', 'deploy.yaml'])).code, 0);
    const res = await run(['get', 'all']);
    assert.equal(res.code, 0, res.err());
    // In kubectl's order: pods, services, then the workloads.
    assert.match(
      res.out(),
      /^NAME +READY +STATUS +RESTARTS +AGE\npod\/ready +0\/1 +Pending[\s\S]*\n\nNAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE\nservice\/web +ClusterIP +10\.\d+\.\d+\.\d+ +<none> +80\/TCP +\S+\n\nNAME +READY +UP-TO-DATE +AVAILABLE +AGE\ndeployment\.apps\/web +0\/1 /,
    );
    assert.doesNotMatch(res.out(), /statefulset|cronjob/);
    const empty = await run(['get', 'all', '-n', 'kube-public']);
    assert.equal(empty.err(), 'No resources found in kube-public namespace.\n');
  });
});

describe('whctl cluster-info', () => {
  it('names the apiserver and says the components are not static pods here', async () => {
    const res = await run(['cluster-info']);
    assert.equal(res.code, 0, res.err());
    assert.match(
      res.out(),
      new RegExp(
        `^Control plane \\(wheelhouse-apiserver\\) is running at ${cluster.apiserver} \\(SERVING\\)\\n`,
      ),
    );
    assert.match(res.out(), /No control-plane pods in kube-system/);
  });

  it('lists mirror pods of the control plane with their state', async () => {
    writeFileSync(
      join(cluster.dir, 'mirror.yaml'),
      `apiVersion: v1
kind: Pod
metadata:
  name: wheelhouse-scheduler-node-1
  namespace: kube-system
  labels: { tier: control-plane, component: wheelhouse-scheduler }
spec:
  nodeName: node-1
  containers: [{ name: scheduler, image: wheelhouse }]
`,
    );
    assert.equal((await run(['apply', '-f', 'mirror.yaml'])).code, 0);
    const res = await run(['cluster-info']);
    assert.match(
      res.out(),
      /\nwheelhouse-scheduler is running in pod kube-system\/wheelhouse-scheduler-node-1 on node node-1: Pending, not Ready\n/,
    );
    const dump = await run(['cluster-info', 'dump']);
    assert.equal(dump.code, 0, dump.err());
    assert.match(dump.out(), /"name": "wheelhouse-scheduler-node-1"/);
  });
});
