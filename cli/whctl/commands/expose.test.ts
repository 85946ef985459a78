/**
 * `whctl expose` against the real store and apiserver processes (test/cluster.ts): the
 * Service built from a Deployment, ReplicaSet, Pod or Service (printed with
 * --dry-run=client, and compared with kubectl expose's where kubectl is installed),
 * kubectl's refusals, and a Service created and listed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';
import { runWhctl } from '../main.js';
import { type TestIo, testIo } from '../test-io.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

const objects = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web, team: shop}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: main
        image: nginx:1.27
        ports: [{containerPort: 8080}, {containerPort: 8443, name: https}]
      - name: dns
        image: coredns
        ports: [{containerPort: 53, protocol: UDP}, {containerPort: 53, protocol: TCP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tiered}
spec:
  selector:
    matchLabels: {app: tiered}
    matchExpressions: [{key: tier, operator: In, values: [a, b]}]
  template:
    metadata: {labels: {app: tiered, tier: a}}
    spec: {containers: [{name: main, image: nginx:1.27, ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: expressions-only}
spec:
  selector:
    matchExpressions: [{key: app, operator: In, values: [x]}]
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: main, image: nginx:1.27}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cache}
spec:
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: main, image: redis, ports: [{containerPort: 6379}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, labels: {run: debug}}
spec: {containers: [{name: main, image: busybox, ports: [{containerPort: 9000, protocol: UDP}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bare}
spec: {containers: [{name: main, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: front}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
`;

const cluster: Cluster = await startCluster({ rest: true });
after(async () => {
  await cluster.stop();
});
const config = join(cluster.dir, 'whctl.yaml');
writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });

const run = async (args: string[]): Promise<TestIo & { code: number }> => {
  const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
  const code = await runWhctl(args, io);
  return Object.assign(io, { code });
};

type Obj = Record<string, unknown>;
/** The Service expose builds, without creating it. */
const built = async (args: string[]): Promise<Obj> => {
  const got = await run(['expose', ...args, '--dry-run=client', '-o', 'json']);
  assert.equal(got.err(), '', got.err());
  assert.equal(got.code, 0);
  return JSON.parse(got.out()) as Obj;
};
const failure = async (args: string[]): Promise<string> => {
  const got = await run(['expose', ...args]);
  assert.equal(got.code, 1, `expose ${args.join(' ')} should fail`);
  return got.err();
};

before(async () => {
  writeFileSync(join(cluster.dir, 'objects.yaml'), objects);
  const applied = await run(['apply', '-f', 'objects.yaml']);
  assert.equal(applied.code, 0, applied.err());
});

describe('expose builds what kubectl expose builds', () => {
  it('a deployment: its matchLabels, its labels, --port to --target-port', async () => {
    const svc = await built(['deployment', 'web', '--port=80', '--target-port=8080']);
    assert.deepEqual(svc.metadata, {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', team: 'shop' },
    });
    assert.deepEqual(svc.spec, {
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }],
    });
    const named = await built([
      'deploy/web',
      '--port=443',
      '--target-port=https',
      '--name=web-tls',
      '--type=NodePort',
    ]);
    assert.equal((named.metadata as Obj).name, 'web-tls');
    assert.deepEqual(named.spec, {
      selector: { app: 'web' },
      ports: [{ port: 443, protocol: 'TCP', targetPort: 'https' }],
      type: 'NodePort',
    });
  });

  it('without --port, every container port: port-N each, one a protocol where a port has two', async () => {
    const svc = await built(['deployment', 'web']);
    assert.deepEqual((svc.spec as Obj).ports, [
      { name: 'port-1', port: 8080, protocol: 'TCP', targetPort: 8080 },
      { name: 'port-2', port: 8443, protocol: 'TCP', targetPort: 8443 },
      { name: 'port-3-udp', port: 53, protocol: 'UDP', targetPort: 53 },
      { name: 'port-3-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
    ]);
    // --protocol is every port's.
    const sctp = await built(['deployment', 'web', '--port=53', '--protocol=SCTP']);
    assert.deepEqual((sctp.spec as Obj).ports, [{ port: 53, protocol: 'SCTP', targetPort: 53 }]);
  });

  it("a replica set, a pod (its labels, its port's protocol) and a service (its selector and ports)", async () => {
    const rs = await built(['rs', 'cache']);
    assert.deepEqual(rs.spec, {
      selector: { app: 'cache' },
      ports: [{ port: 6379, protocol: 'TCP', targetPort: 6379 }],
    });
    const pod = await built(['pod', 'debug', '--name=frontend']);
    assert.deepEqual(pod.metadata, { name: 'frontend', namespace: 'default', labels: { run: 'debug' } });
    assert.deepEqual(pod.spec, {
      selector: { run: 'debug' },
      ports: [{ port: 9000, protocol: 'UDP', targetPort: 9000 }],
    });
    const svc = await built([
      'service',
      'front',
      '--port=443',
      '--target-port=8443',
      '--name=front-tls',
      '--labels=app=front,tls=yes',
      '--session-affinity=ClientIP',
      '--external-ip=1.2.3.4',
    ]);
    assert.deepEqual(svc.metadata, {
      name: 'front-tls',
      namespace: 'default',
      labels: { app: 'front', tls: 'yes' },
    });
    assert.deepEqual(svc.spec, {
      selector: { app: 'web' },
      ports: [{ port: 443, protocol: 'TCP', targetPort: 8443 }],
      externalIPs: ['1.2.3.4'],
      sessionAffinity: 'ClientIP',
    });
  });

  it("--selector instead of the object's: a pod without labels, a selector with expressions", async () => {
    const bare = await built(['pod', 'bare', '--port=80', '--selector=run=bare']);
    assert.deepEqual((bare.spec as Obj).selector, { run: 'bare' });
    const tiered = await built(['deploy', 'tiered', '--selector=app=tiered,tier=a']);
    assert.deepEqual((tiered.spec as Obj).selector, { app: 'tiered', tier: 'a' });
    const headless = await built(['pod', 'bare', '--selector=run=bare', '--cluster-ip=None']);
    assert.deepEqual(headless.spec, { selector: { run: 'bare' }, clusterIP: 'None' });
  });

  it("refuses what kubectl refuses, with kubectl's words", async () => {
    assert.match(
      await failure(['deployment', 'tiered']),
      /^error: couldn't retrieve selectors via --selector flag or introspection: couldn't convert expressions - "\[\{Key:tier Operator:In Values:\[a b\]\}\]" to map-based selector format\n$/,
    );
    assert.match(
      await failure(['deployment', 'expressions-only', '--port=80']),
      /invalid deployment: no selectors, therefore cannot be exposed/,
    );
    assert.match(
      await failure(['pod', 'bare', '--port=80']),
      /^error: couldn't retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be exposed\n$/,
    );
    assert.match(
      await failure(['pod', 'bare', '--selector=run=bare']),
      /couldn't find port via --port flag or introspection/,
    );
    assert.match(await failure(['configmap', 'settings']), /^error: cannot expose a ConfigMap\n/);
    assert.match(await failure(['daemonsets', 'x']), /cannot expose a DaemonSet\.apps/);
    assert.match(
      await failure(['deploy', 'web', '--selector=app in (web)']),
      /unexpected label spec: app in \(web\)/,
    );
    assert.match(
      await failure(['deploy', 'web', '--session-affinity=Sticky']),
      /unknown session affinity: Sticky/,
    );
    assert.match(await failure(['deploy', 'web', '--port=http']), /invalid port "http": not a whole number/);
    assert.match(await failure(['deploy', 'missing', '--port=80']), /NotFound.*"missing" not found/);
    assert.match(await failure(['deploy']), /exactly one object is required/);
  });

  describe('the same as kubectl', { skip: skipUnlessInstalled(existsSync(KUBECTL) ? [] : [KUBECTL]) }, () => {
    const kubectl = async (...args: string[]): Promise<Obj> => {
      const { stdout } = await promisify(execFile)(
        KUBECTL,
        ['--kubeconfig', cluster.kubeconfig, 'expose', ...args, '--dry-run=client', '-o', 'json'],
        { env: { ...process.env, KUBECACHEDIR: join(cluster.dir, 'kubectl-cache') }, timeout: 30_000 },
      );
      return JSON.parse(stdout) as Obj;
    };
    /** Ports in a stable order: kubectl walks a Go map for a port's protocols. */
    const normal = (o: Obj) => {
      const spec = { ...(o.spec as Obj) };
      const ports = (spec.ports as Obj[] | undefined)?.slice();
      ports?.sort((a, b) => String(a.name).localeCompare(String(b.name)));
      return { labels: (o.metadata as Obj).labels, name: (o.metadata as Obj).name, spec: { ...spec, ports } };
    };
    for (const args of [
      ['deployment', 'web', '--port=80', '--target-port=8080'],
      ['deployment', 'web'],
      ['rs', 'cache', '--type=LoadBalancer', '--load-balancer-ip=203.0.113.7'],
      ['pod', 'debug', '--name=frontend'],
      ['service', 'front', '--port=443', '--target-port=https', '--name=front-tls', '-l', 'a=b'],
      ['pod', 'bare', '--selector=run=bare', '--cluster-ip=None'],
    ]) {
      it(`expose ${args.join(' ')}`, async () => {
        assert.deepEqual(normal(await built(args)), normal(await kubectl(...args)));
      });
    }
  });
});

describe('exposed through the apiserver', () => {
  it('creates the Service, which the server gives an IP', async () => {
    const res = await run(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
    assert.equal(res.err(), '');
    assert.equal(res.out(), 'service/web exposed\n');
    const table = await run(['get', 'svc', 'web', '-o', 'wide']);
    assert.match(table.out(), /^web +ClusterIP +10\.\d+\.\d+\.\d+ +<none> +80\/TCP +\S+ +app=web$/m);
    const dry = await run(['expose', 'pod', 'debug', '--dry-run=server']);
    assert.equal(dry.out(), 'service/debug exposed (server dry run)\n');
    assert.equal((await run(['get', 'svc', 'debug', '--ignore-not-found'])).out(), '');
    const again = await run(['expose', 'deployment', 'web', '--port=80']);
    assert.equal(again.code, 1);
    assert.match(again.err(), /AlreadyExists/);
  });
});
