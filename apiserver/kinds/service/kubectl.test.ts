/**
 * Real kubectl against a real apiserver: Services applied, listed, described and
 * refused as kubectl users know them, and EndpointSlices listed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';

const run = promisify(execFile);
const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

const manifest = `
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: https}
---
apiVersion: v1
kind: Service
metadata:
  name: np
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {port: 80, nodePort: 30080}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-manual
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.244.0.5]
  conditions: {ready: true}
- addresses: [10.244.0.6]
ports:
- {name: http, port: 8080, protocol: TCP}
`;

describe('kubectl and Services', { skip: skipUnlessInstalled(existsSync(KUBECTL) ? [] : [KUBECTL]) }, () => {
  let cluster: Cluster;
  let file = '';
  before(async () => {
    cluster = await startCluster({ rest: true });
    file = join(cluster.dir, 'services.yaml');
    writeFileSync(file, manifest);
  });
  after(() => cluster?.stop());

  const kubectl = async (...args: string[]) => {
    const { stdout } = await run(KUBECTL, ['--kubeconfig', cluster.kubeconfig, ...args], {
      env: { ...process.env, KUBECACHEDIR: join(cluster.dir, 'kubectl-cache') },
      timeout: 30_000,
    });
    return stdout;
  };
  const failure = async (...args: string[]) => {
    try {
      await kubectl(...args);
    } catch (err) {
      return String((err as { stderr?: string }).stderr);
    }
    assert.fail(`kubectl ${args.join(' ')} succeeded`);
  };

  it('apply creates; applied again, nothing changes (the allocated IP and node port are kept)', async () => {
    assert.match(
      await kubectl('apply', '-f', file),
      /service\/web created\nservice\/np created\nendpointslice.discovery.k8s.io\/web-manual created/,
    );
    assert.match(
      await kubectl('apply', '-f', file),
      /service\/web unchanged\nservice\/np unchanged\nendpointslice.discovery.k8s.io\/web-manual unchanged/,
    );
  });

  it('get svc -o wide: TYPE CLUSTER-IP EXTERNAL-IP PORT(S) SELECTOR', async () => {
    const out = await kubectl('get', 'svc', '-o', 'wide');
    assert.match(out, /^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE +SELECTOR$/m);
    assert.match(out, /^np +NodePort +10\.\d+\.\d+\.\d+ +<none> +80:30080\/TCP +\S+ +app=web$/m);
    assert.match(out, /^web +ClusterIP +10\.\d+\.\d+\.\d+ +<none> +80\/TCP,443\/TCP +\S+ +app=web$/m);
  });

  it('get all lists the Services (they are in the all category)', async () => {
    const out = await kubectl('get', 'all');
    assert.match(out, /^service\/np +NodePort /m);
    assert.match(out, /^service\/web +ClusterIP /m);
  });

  it('get endpointslices: ADDRESSTYPE PORTS ENDPOINTS', async () => {
    const out = await kubectl('get', 'endpointslices');
    assert.match(out, /^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE$/m);
    assert.match(out, /^web-manual +IPv4 +8080 +10\.244\.0\.5,10\.244\.0\.6 +\S+$/m);
  });

  it('describe svc shows the IP, ports and node port', async () => {
    const out = await kubectl('describe', 'svc', 'np');
    assert.match(out, /^Type: +NodePort$/m);
    assert.match(out, /^IP: +10\.\d+\.\d+\.\d+$/m);
    assert.match(out, /^NodePort: +<unset> +30080\/TCP$/m);
  });

  it('a node port already taken and a bad name are refused with their field paths', async () => {
    assert.match(
      await failure('create', 'service', 'nodeport', 'np2', '--tcp=81:8080', '--node-port=30080'),
      /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/,
    );
    assert.match(
      await failure('create', 'service', 'clusterip', '1st', '--tcp=80'),
      /metadata\.name: Invalid value: "1st": a DNS-1035 label/,
    );
  });

  it('changing the type to ClusterIP frees the node port for another Service', async () => {
    await kubectl(
      'patch',
      'svc',
      'np',
      '-p',
      '{"spec":{"type":"ClusterIP","ports":[{"port":80,"nodePort":null}]}}',
    );
    assert.match(
      await kubectl('get', 'svc', 'np'),
      /^np +ClusterIP +10\.\d+\.\d+\.\d+ +<none> +80\/TCP +\S+$/m,
    );
    assert.match(
      await kubectl('create', 'service', 'nodeport', 'np2', '--tcp=81:8080', '--node-port=30080'),
      /service\/np2 created/,
    );
  });
});
