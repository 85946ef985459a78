/**
 * `whctl create service clusterip|nodeport|loadbalancer|externalname`: the Services
 * kubectl's generators build for the same flags (printed with --dry-run=client, and
 * compared with kubectl's own where it is installed), kubectl's refusals, then created
 * through a real store and apiserver, which allocates their IPs and node ports.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { writeClientConfig } from '../../../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../../../test/cluster.js';
import { skipUnlessInstalled } from '../../../../test/requirements.js';
import { runWhctl } from '../../main.js';
import { type TestIo, testIo } from '../../test-io.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

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
/** The Service a generator builds, without creating it. */
const built = async (args: string[]): Promise<Obj> => {
  const got = await run([...args, '--dry-run=client', '-o', 'json']);
  assert.equal(got.err(), '', got.err());
  assert.equal(got.code, 0);
  return JSON.parse(got.out()) as Obj;
};
const failure = async (args: string[]): Promise<string> => {
  const got = await run(args);
  assert.notEqual(got.code, 0, `${args.join(' ')} should fail`);
  return got.err();
};

describe('create service builds what kubectl builds', () => {
  it('clusterip: app=NAME, a TCP port named PORT-TARGET each --tcp, comma-separated too', async () => {
    const svc = await built([
      'create',
      'service',
      'clusterip',
      'web',
      '--tcp=80:8080,443:https',
      '--tcp=9090',
    ]);
    assert.deepEqual(svc.metadata, { name: 'web', namespace: 'default', labels: { app: 'web' } });
    assert.deepEqual(svc.spec, {
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [
        { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https' },
        { name: '9090', protocol: 'TCP', port: 9090, targetPort: 9090 },
      ],
    });
    const headless = await built(['create', 'svc', 'clusterip', 'db', '--clusterip=None']);
    assert.deepEqual(headless.spec, { type: 'ClusterIP', selector: { app: 'db' }, clusterIP: 'None' });
  });

  it('nodeport, loadbalancer and externalname', async () => {
    const np = await built(['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080']);
    assert.deepEqual(np.spec, {
      type: 'NodePort',
      selector: { app: 'np' },
      ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
    });
    const lb = await built(['create', 'service', 'loadbalancer', 'lb', '--tcp=443']);
    assert.equal((lb.spec as Obj).type, 'LoadBalancer');
    const ext = await built(['create', 'service', 'externalname', 'ext', '--external-name=db.example.com']);
    assert.deepEqual(ext.spec, {
      type: 'ExternalName',
      selector: { app: 'ext' },
      externalName: 'db.example.com',
    });
  });

  it("refuses what kubectl refuses, with kubectl's words", async () => {
    assert.match(
      await failure(['create', 'service', 'clusterip', 'x']),
      /at least one tcp port specifier must be provided/,
    );
    assert.match(
      await failure(['create', 'service', 'nodeport', 'x', '--tcp=65536']),
      /invalid --tcp "65536": the port must be a number from 0 to 65535/,
    );
    assert.match(
      await failure(['create', 'service', 'clusterip', 'x', '--tcp=8080:-abc']),
      /invalid --tcp "8080:-abc": must not begin or end with a hyphen/,
    );
    assert.match(
      await failure(['create', 'service', 'clusterip', 'x', '--tcp=80:0']),
      /invalid --tcp "80:0": must be between 1 and 65535, inclusive/,
    );
    assert.match(
      await failure(['create', 'service', 'externalname', 'x']),
      /required flag\(s\) "external-name" not set/,
    );
    assert.match(
      await failure(['create', 'service', 'externalname', 'x', '--external-name=@oi:test']),
      /invalid service external name @oi:test/,
    );
    assert.match(await failure(['create', 'service', 'headless', 'x']), /unknown form "headless"/);
    assert.match(
      await failure(['create', 'service', 'loadbalancer', 'x', '--tcp=80', '--clusterip=None']),
      /Unknown option '--clusterip'/,
    );
  });

  describe('the same as kubectl', { skip: skipUnlessInstalled(existsSync(KUBECTL) ? [] : [KUBECTL]) }, () => {
    const kubectl = async (...args: string[]): Promise<Obj> => {
      const { stdout } = await promisify(execFile)(
        KUBECTL,
        ['--kubeconfig', cluster.kubeconfig, ...args, '--dry-run=client', '-o', 'json'],
        { env: { ...process.env, KUBECACHEDIR: join(cluster.dir, 'kubectl-cache') }, timeout: 30_000 },
      );
      return JSON.parse(stdout) as Obj;
    };
    for (const args of [
      ['clusterip', 'web', '--tcp=80:8080,443:https', '--tcp=9090'],
      ['clusterip', 'db', '--clusterip=None'],
      ['nodeport', 'np', '--tcp=80:http', '--node-port=30080'],
      ['loadbalancer', 'lb', '--tcp=443:8443'],
      ['externalname', 'ext', '--external-name=db.example.com', '--tcp=5432'],
    ]) {
      it(`create service ${args.join(' ')}`, async () => {
        const ours = await built(['create', 'service', ...args]);
        const theirs = await kubectl('create', 'service', ...args);
        assert.deepEqual(ours.spec, theirs.spec);
        assert.deepEqual((ours.metadata as Obj).labels, (theirs.metadata as Obj).labels);
      });
    }
  });
});

describe('created through the apiserver', () => {
  it('allocates the IP and node port; a second Service cannot take the same node port', async () => {
    const created = await run([
      'create',
      'service',
      'nodeport',
      'front',
      '--tcp=80:8080',
      '--node-port=30090',
    ]);
    assert.equal(created.err(), '');
    assert.equal(created.out(), 'service/front created\n');
    const table = await run(['get', 'svc', 'front']);
    assert.match(table.out(), /^front +NodePort +10\.\d+\.\d+\.\d+ +<none> +80:30090\/TCP +\S+$/m);
    const taken = await run(['create', 'service', 'nodeport', 'again', '--tcp=81', '--node-port=30090']);
    assert.equal(taken.code, 1);
    assert.match(
      taken.err(),
      /spec\.ports\[0\]\.nodePort: Invalid value: 30090: provided port is already allocated/,
    );
    const headless = await run(['create', 'service', 'clusterip', 'peers', '--clusterip=None', '-o', 'name']);
    assert.equal(headless.out(), 'service/peers\n');
    assert.match((await run(['get', 'svc', 'peers'])).out(), /^peers +ClusterIP +None +<none> +<none> /m);
    const ext = await run(['create', 'service', 'externalname', 'db', '--external-name=db.example.com']);
    assert.equal(ext.code, 0, ext.err());
    assert.match(
      (await run(['get', 'svc', 'db'])).out(),
      /^db +ExternalName +<none> +db\.example\.com +<none> /m,
    );
  });
});
