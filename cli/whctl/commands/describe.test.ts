/**
 * `whctl describe service` against the real store and apiserver processes
 * (test/cluster.ts): the Service as the apiserver allocated and defaulted it, the
 * endpoints from its EndpointSlices, its Events — and, where kubectl is installed,
 * line for line what kubectl describe prints of the same Services.
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
import { testIo } from '../test-io.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

/** An event about the Service, as the apiserver's search finds it: by name, namespace and uid. */
const event = (uid: string) => `
apiVersion: v1
kind: Event
metadata:
  name: web.1
involvedObject: {kind: Service, name: web, namespace: default, apiVersion: v1, uid: ${uid}}
type: Normal
reason: Synced
message: endpoints updated
source: {component: endpointslice-controller}
count: 1
firstTimestamp: ${new Date().toISOString()}
lastTimestamp: ${new Date().toISOString()}
`;

const manifest = `
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web, tier: front}
  annotations: {team: checkout}
spec:
  selector: {app: web}
  externalIPs: [1.2.3.4]
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: metrics, port: 9090}
---
apiVersion: v1
kind: Service
metadata:
  name: lb
spec:
  type: LoadBalancer
  selector: {app: web}
  loadBalancerSourceRanges: [10.0.0.0/8]
  ports:
  - {port: 80, nodePort: 30180}
---
apiVersion: v1
kind: Service
metadata:
  name: ext
spec:
  type: ExternalName
  externalName: db.example.com
---
apiVersion: v1
kind: Service
metadata:
  name: headless
spec:
  clusterIP: None
  selector: {app: web}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-a
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.244.0.5]
  conditions: {ready: true}
- addresses: [10.244.0.6]
- addresses: [10.244.0.7]
  conditions: {ready: false}
ports:
- {name: http, port: 8080, protocol: TCP}
- {name: metrics, port: 9090, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-b
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
- addresses: [10.244.1.6]
ports:
- {name: http, port: 8080, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: other
  labels: {kubernetes.io/service-name: lb-not}
addressType: IPv4
endpoints:
- addresses: [10.244.9.9]
ports:
- {port: 80, protocol: TCP}
`;

describe('whctl describe service', () => {
  let cluster: Cluster;
  let config = '';
  before(async () => {
    cluster = await startCluster({ rest: true });
    config = join(cluster.dir, 'whctl.yaml');
    writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
    writeFileSync(join(cluster.dir, 'services.yaml'), manifest);
    const applied = await whctl(['apply', '-f', 'services.yaml']);
    assert.equal(applied.code, 0, applied.err());
    const uid = (await whctl(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.uid}'])).out();
    writeFileSync(join(cluster.dir, 'event.yaml'), event(uid));
    const recorded = await whctl(['create', '-f', 'event.yaml']);
    assert.equal(recorded.code, 0, recorded.err());
  });
  after(() => cluster?.stop());

  const whctl = async (args: string[]) => {
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const code = await runWhctl(args, io);
    return Object.assign(io, { code });
  };

  it('prints the allocated IP, each port with the ready endpoints of its slices, and the events', async () => {
    const res = await whctl(['describe', 'svc', 'web']);
    assert.equal(res.code, 0, res.err());
    const out = res.out();
    assert.match(out, /^Name: +web\nNamespace: +default\nLabels: +app=web\n +tier=front\n/);
    assert.match(out, /^Annotations: +team: checkout\nSelector: +app=web\nType: +ClusterIP\n/m);
    assert.match(
      out,
      /^IP Family Policy: +SingleStack\nIP Families: +IPv4\nIP: +(10\.\d+\.\d+\.\d+)\nIPs: +\1\n/m,
    );
    assert.match(out, /^External IPs: +1\.2\.3\.4\n/m);
    assert.match(
      out,
      /^Port: +http {2}80\/TCP\nTargetPort: +8080\/TCP\nEndpoints: +10\.244\.0\.5:8080,10\.244\.0\.6:8080,10\.244\.1\.5:8080 \+ 1 more\.\.\.\n/m,
    );
    assert.match(
      out,
      /^Port: +metrics {2}9090\/TCP\nTargetPort: +9090\/TCP\nEndpoints: +10\.244\.0\.5:9090,10\.244\.0\.6:9090\n/m,
    );
    assert.match(out, /^Session Affinity: +None\nInternal Traffic Policy: +Cluster\nEvents:\n/m);
    assert.match(out, /^ {2}Normal +Synced +\S+ +endpointslice-controller +endpoints updated$/m);
  });

  it('prints a node port, <none> without slices, and services by name prefix', async () => {
    const lb = await whctl(['describe', 'service/lb']);
    assert.equal(lb.code, 0, lb.err());
    assert.match(lb.out(), /^NodePort: +<unset> {2}30180\/TCP\nEndpoints: +<none>\n/m);
    assert.match(lb.out(), /^External Traffic Policy: +Cluster\n/m);
    const prefixed = await whctl(['describe', 'services', 'e']);
    assert.match(prefixed.out(), /^Name: +ext\n[\s\S]*^External Name: +db\.example\.com\n/m);
    assert.doesNotMatch(prefixed.out(), /^Name: +web$/m);
  });

  describe('the same as kubectl', { skip: skipUnlessInstalled(existsSync(KUBECTL) ? [] : [KUBECTL]) }, () => {
    const kubectl = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(KUBECTL, ['--kubeconfig', cluster.kubeconfig, ...args], {
        env: { ...process.env, KUBECACHEDIR: join(cluster.dir, 'kubectl-cache') },
        timeout: 30_000,
      });
      return stdout;
    };

    for (const name of ['web', 'lb', 'ext', 'headless']) {
      it(`describe svc ${name}`, async () => {
        // Without events, whose ages are read at different moments.
        const ours = await whctl(['describe', 'svc', name, '--show-events=false']);
        assert.equal(ours.code, 0, ours.err());
        // kubectl leaves a value it does not have empty where whctl says <none>.
        const theirs = await kubectl('describe', 'svc', name, '--show-events=false');
        assert.equal(ours.out(), theirs.replace(/^(\S[^:\n]*: +)$/gm, '$1<none>'));
      });
    }
  });
});
