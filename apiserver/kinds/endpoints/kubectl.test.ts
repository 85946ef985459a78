/**
 * Real kubectl against a real apiserver: a Service without a selector and the Endpoints
 * written for it by hand, applied, listed with Kubernetes' columns, described line for line
 * as whctl describes them, and refused with their field paths.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runWhctl } from '../../../cli/whctl/main.js';
import { testIo } from '../../../cli/whctl/test-io.js';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';

const run = promisify(execFile);
const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

const manifest = `
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  ports:
  - {name: postgres, port: 5432}
  - {name: metrics, port: 9187}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: db
  labels: {app: db}
  annotations: {team: storage}
subsets:
- addresses: [{ip: 192.0.2.10}, {ip: 192.0.2.11, hostname: db-1}]
  notReadyAddresses: [{ip: 192.0.2.12}]
  # Protocols written out: subsets are replaced whole by a patch (no merge keys), so a
  # defaulted protocol would make every apply a change, in Kubernetes as here.
  ports:
  - {name: postgres, port: 5432, protocol: TCP}
  - {name: metrics, port: 9187, protocol: TCP}
- addresses: [{ip: 198.51.100.7}]
---
apiVersion: v1
kind: Endpoints
metadata:
  name: empty
`;

const invalid = `
apiVersion: v1
kind: Endpoints
metadata:
  name: broken
subsets:
- addresses: [{ip: 192.0.2.10}]
  ports: [{port: 0}]
`;

describe('kubectl and Endpoints', { skip: skipUnlessInstalled(existsSync(KUBECTL) ? [] : [KUBECTL]) }, () => {
  let cluster: Cluster;
  let config = '';
  before(async () => {
    cluster = await startCluster({ rest: true });
    config = join(cluster.dir, 'whctl.yaml');
    writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
    writeFileSync(join(cluster.dir, 'db.yaml'), manifest);
    writeFileSync(join(cluster.dir, 'broken.yaml'), invalid);
  });
  after(() => cluster?.stop());

  const kubectl = async (...args: string[]) => {
    const { stdout } = await run(KUBECTL, ['--kubeconfig', cluster.kubeconfig, ...args], {
      cwd: cluster.dir,
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
  const whctl = async (args: string[]) => {
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const code = await runWhctl(args, io);
    return Object.assign(io, { code });
  };

  it('apply creates the Service and its Endpoints; applied again, nothing changes', async () => {
    assert.match(
      await kubectl('apply', '-f', 'db.yaml'),
      /^service\/db created\nendpoints\/db created\nendpoints\/empty created\n$/,
    );
    assert.match(
      await kubectl('apply', '-f', 'db.yaml'),
      /^service\/db unchanged\nendpoints\/db unchanged\nendpoints\/empty unchanged\n$/,
    );
    const subsets = JSON.parse(await kubectl('get', 'endpoints', 'db', '-o', 'jsonpath={.subsets}'));
    assert.deepEqual(subsets[0].ports, [
      { name: 'postgres', port: 5432, protocol: 'TCP' },
      { name: 'metrics', port: 9187, protocol: 'TCP' },
    ]);
    assert.deepEqual(subsets[0].addresses[1], { ip: '192.0.2.11', hostname: 'db-1' });
  });

  it('get ep: NAME ENDPOINTS AGE, ready addresses by port, three and how many more', async () => {
    const out = await kubectl('get', 'ep');
    assert.match(out, /^NAME +ENDPOINTS +AGE$/m);
    assert.match(out, /^db +192\.0\.2\.10:5432,192\.0\.2\.11:5432,192\.0\.2\.10:9187 \+ 2 more\.\.\. +\S+$/m);
    assert.match(out, /^empty +<none> +\S+$/m);
    const ours = await whctl(['get', 'endpoints', 'db']);
    assert.equal(ours.code, 0, ours.err());
    assert.match(
      ours.out(),
      /^db +192\.0\.2\.10:5432,192\.0\.2\.11:5432,192\.0\.2\.10:9187 \+ 2 more\.\.\. +\S+$/m,
    );
  });

  it('get all leaves Endpoints out (they are not in the all category)', async () => {
    const out = await kubectl('get', 'all');
    assert.match(out, /^service\/db /m);
    assert.doesNotMatch(out, /endpoints/);
  });

  for (const name of ['db', 'empty']) {
    it(`describe ep ${name} prints what whctl describe endpoints prints`, async () => {
      const theirs = await kubectl('describe', 'ep', name);
      const ours = await whctl(['describe', 'endpoints', name]);
      assert.equal(ours.code, 0, ours.err());
      assert.equal(ours.out(), theirs);
    });
  }

  it('describe shows each subset with its addresses, ready and not, and its ports', async () => {
    const out = (await whctl(['describe', 'ep', 'db'])).out();
    assert.match(
      out,
      /^Subsets:\n {2}Addresses: {10}192\.0\.2\.10,192\.0\.2\.11\n {2}NotReadyAddresses: {2}192\.0\.2\.12\n {2}Ports:\n {4}Name {6}Port {2}Protocol\n {4}-{4} {6}-{4} {2}-{8}\n {4}postgres {2}5432 {2}TCP\n {4}metrics {3}9187 {2}TCP\n\n {2}Addresses: {10}198\.51\.100\.7\n {2}NotReadyAddresses: {2}<none>\n\nEvents: {2}<none>\n$/m,
    );
  });

  it('an endpoint on port 0 is refused with its field path', async () => {
    assert.match(
      await failure('apply', '-f', 'broken.yaml'),
      /subsets\[0\]\.ports\[0\]\.port: Invalid value: 0: must be between 1 and 65535, inclusive/,
    );
  });
});
