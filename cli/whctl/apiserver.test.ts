/**
 * whctl against the real store and apiserver processes (test/cluster.ts): that
 * apply's "unchanged" holds against real defaulting, that server errors come out
 * with their field causes, and that watches and deletions behave as printed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeClientConfig } from '../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { runWhctl } from './main.js';
import { type TestIo, testIo } from './test-io.js';

const cluster: Cluster = await startCluster();
after(async () => {
  await cluster.stop();
});

const deployment = (replicas: number, image = 'nginx:1.27') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: main
          image: ${image}
          ports: [{ containerPort: 80 }]
`;

const pod = (name: string, image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
    - name: main
      image: "${image}"
`;

describe('whctl against the apiserver', () => {
  const run = async (args: string[]): Promise<TestIo & { code: number }> => {
    const config = join(cluster.dir, 'whctl.yaml');
    writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const code = await runWhctl(args, io);
    return Object.assign(io, { code });
  };
  const file = (name: string, text: string) => {
    writeFileSync(join(cluster.dir, name), text);
    return name;
  };

  it('applies a deployment: created, unchanged despite server defaults, configured', async () => {
    const created = await run(['apply', '-f', file('deploy.yaml', deployment(2))]);
    assert.equal(created.err(), '');
    assert.equal(created.out(), 'deployment.apps/web created\n');
    assert.equal((await run(['apply', '-f', 'deploy.yaml'])).out(), 'deployment.apps/web unchanged\n');
    assert.equal(
      (await run(['apply', '-f', file('deploy.yaml', deployment(4))])).out(),
      'deployment.apps/web configured\n',
    );

    const table = await run(['get', 'deployments']);
    assert.match(table.out(), /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\nweb +0\/4 +0 +0 +\d+s\n$/);
    const yaml = await run(['get', 'deploy', 'web', '-o', 'yaml']);
    assert.match(yaml.out(), /replicas: 4/);
    // As with kubectl, the dump becomes the last-applied record (it holds the server's
    // defaults), which changes the object once; from then on it is unchanged.
    assert.equal(
      (await run(['apply', '-f', file('dump.yaml', yaml.out())])).out(),
      'deployment.apps/web configured\n',
    );
    assert.equal((await run(['apply', '-f', 'dump.yaml'])).out(), 'deployment.apps/web unchanged\n');
  });

  it('prints what the server rejected, field by field, and exits 1', async () => {
    const res = await run(['create', '-f', file('bad.yaml', pod('bad', ''))]);
    assert.equal(res.code, 1);
    assert.match(res.err(), /^Error from server \(Invalid\): Pod "bad" is invalid:\n/);
    assert.match(res.err(), /\n {2}\* spec\.containers\[0\]\.image: /);
  });

  it('--as acts as another user, refused where that user may not go', async () => {
    const nobody = await run(['get', 'pods', '--as', 'nobody']);
    assert.equal(nobody.code, 1);
    assert.match(nobody.err(), /User "nobody" cannot list resource "pods"/);
    // Before the command too, as kubectl takes global flags; a group makes it a member.
    const masters = await run(['--as', 'nobody', '--as-group', 'system:masters', 'get', 'pods']);
    assert.equal(masters.code, 0, masters.err());
    const groupAlone = await run(['get', 'pods', '--as-group', 'system:masters']);
    assert.equal(groupAlone.code, 1);
    assert.match(groupAlone.err(), /--as-group needs --as/);
  });

  it('auth whoami names the user --as acts as', async () => {
    const self = await run(['auth', 'whoami']);
    assert.equal(self.code, 0, self.err());
    assert.match(self.out(), /^Groups +\[.*system:masters.*\]$/m);
    const other = await run(['--as', 'alice', '--as-group', 'dev', 'auth', 'whoami']);
    assert.equal(other.code, 0, other.err());
    assert.match(other.out(), /^Username +alice$/m);
    assert.match(other.out(), /^Groups +\[dev system:authenticated\]$/m);
  });

  it('watches pods until interrupted, and deletes them', async () => {
    assert.equal((await run(['apply', '-f', file('a.yaml', pod('a', 'x'))])).out(), 'pod/a created\n');
    const config = join(cluster.dir, 'whctl.yaml');
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const watching = runWhctl(['get', 'pods', '-w'], io);
    await until(() => io.out().includes('\na '));
    await run(['apply', '-f', file('b.yaml', pod('b', 'x'))]);
    await until(() => io.out().includes('\nb '));
    io.interrupt();
    assert.equal(await watching, 0);
    assert.match(
      io.out(),
      /^NAME +READY +STATUS +RESTARTS +AGE\na +0\/1 +Pending +0 +\d+s\nb +0\/1 +Pending/,
    );

    const deleted = await run(['delete', 'pods', 'a', 'b', '--grace-period=0']);
    assert.equal(deleted.err(), '');
    assert.equal(deleted.out(), 'pod "a" deleted\npod "b" deleted\n');
    const after = await run(['get', 'pods', '-o', 'name']);
    assert.equal(after.out(), '');
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
