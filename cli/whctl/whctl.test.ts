/**
 * whctl end to end, in process, against the in-memory apiserver double over
 * real gRPC: what each command sends, prints and exits with.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { writeClientConfig } from '../../sdk/client-config.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { typesOf } from '../../sdk/kind-registry.js';
import { resolveResource } from '../../sdk/kinds.js';
import { type FakeApiserver, startFakeApiserver } from '../../sdk/testing/fake-apiserver.js';
import { until } from '../../test/until.js';
import { runWhctl } from './main.js';
import { type TestIo, testIo } from './test-io.js';

const podInfo = resolveResource('pods');
const deployInfo = resolveResource('deployments');
const nodeInfo = resolveResource('nodes');
if (!podInfo || !deployInfo || !nodeInfo) throw new Error('kind table lacks pods, deployments or nodes');

// Ages are computed against this clock; objects the double creates are stamped with the real one.
const NOW = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);

const podYaml = (name: string, image = 'nginx:1.27', extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: web
spec:
  containers:
    - name: main
      image: ${image}
${extra}`;

const deploymentYaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: main
          image: nginx:1.27
`;

describe('whctl against an apiserver', () => {
  let api: FakeApiserver;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const run = async (args: string[], opts: { stdin?: string } = {}): Promise<TestIo & { code: number }> => {
    const io = testIo({ cwd: dir, env, stdin: opts.stdin, now: NOW });
    const code = await runWhctl(args, io);
    return Object.assign(io, { code });
  };
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const pod = (namespace: string, name: string) =>
    api.objects.get(`Pod/${namespace}/${name}`) as Pod | undefined;

  before(async () => {
    api = await startFakeApiserver([podInfo, deployInfo, nodeInfo]);
  });
  after(async () => {
    await api.stop();
  });
  beforeEach(() => {
    api.objects.clear();
    api.requests.length = 0;
    api.beforeUpdate = undefined;
    dir = mkdtempSync(join(tmpdir(), 'whctl-'));
    writeClientConfig(join(dir, 'config.yaml'), { server: api.address, insecure: true });
    env = { WHEELHOUSE_CONFIG: join(dir, 'config.yaml') };
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('apply reads folders and standard input, several documents each, and goes on after a failure', async () => {
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(join(dir, 'manifests', 'a.yaml'), `${podYaml('a')}---\n${podYaml('bad', '""')}`);
    writeFileSync(
      join(dir, 'manifests', 'b.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'b', namespace: 'prod' },
        spec: { containers: [{ name: 'm', image: 'x' }] },
      }),
    );
    writeFileSync(join(dir, 'manifests', 'notes.txt'), 'not a manifest');
    const res = await run(['apply', '-f', 'manifests', '-f', '-'], { stdin: podYaml('c') });
    assert.equal(res.out(), 'pod/a created\npod/b created\npod/c created\n');
    assert.match(
      res.err(),
      /^Error from server \(Invalid\): Pod "bad" is invalid:\n {2}\* spec\.containers\[0\]\.image: Required value\n$/,
    );
    assert.equal(res.code, 1);
    assert.ok(pod('prod', 'b'));
  });

  it('refuses an object whose namespace differs from -n, and reports manifest errors with their place', async () => {
    const res = await run([
      'apply',
      '-n',
      'dev',
      '-f',
      file('p.yaml', podYaml('web').replace('name: web', 'name: web\n  namespace: prod')),
    ]);
    assert.equal(res.code, 1);
    assert.match(res.err(), /namespace from the provided object "prod" does not match the namespace "dev"/);

    const typo = await run(['apply', '-f', file('t.yaml', podYaml('web').replace('image:', 'imagee:'))]);
    assert.equal(typo.code, 1);
    assert.match(typo.err(), /^error: t\.yaml: document 1 \(Pod web\): .*imagee/);
    assert.equal(api.requests.length, 0);
  });

  it('create fails on an existing object with the server message; --dry-run stores nothing', async () => {
    const dry = await run(['create', '--dry-run', '-f', file('pod.yaml', podYaml('web'))]);
    assert.equal(dry.out(), 'pod/web created (server dry run)\n');
    assert.equal(pod('default', 'web'), undefined);
    assert.equal((await run(['create', '-f', 'pod.yaml'])).code, 0);
    const again = await run(['create', '-f', 'pod.yaml']);
    assert.equal(again.code, 1);
    assert.equal(again.err(), 'Error from server (AlreadyExists): pods "web" already exists\n');
  });

  it('get prints the pod table, wide, across namespaces, by name, and as yaml that reads again', async () => {
    const started = new Date(NOW.getTime() - 200_000);
    const fromYaml = (namespace: string, name: string) => {
      const object = typesOf(podInfo).message.fromJSON({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace, labels: { app: name }, creationTimestamp: started.toISOString() },
        spec: {
          nodeName: 'node-1',
          containers: [
            { name: 'a', image: 'x' },
            { name: 'b', image: 'y' },
          ],
        },
        status: {
          phase: 'Running',
          podIP: '10.0.0.7',
          containerStatuses: [
            { name: 'a', ready: true, restartCount: 2, state: { running: {} } },
            { name: 'b', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } },
          ],
        },
      });
      return api.put(podInfo, object);
    };
    fromYaml('default', 'web');
    fromYaml('kube-system', 'dns');

    const table = await run(['get', 'pods']);
    assert.equal(
      table.out(),
      'NAME   READY   STATUS             RESTARTS   AGE\nweb    1/2     CrashLoopBackOff   3          3m20s\n',
    );
    const wide = await run(['get', 'po', '-A', '-o', 'wide']);
    assert.equal(
      wide.out(),
      [
        'NAMESPACE     NAME   READY   STATUS             RESTARTS   AGE     IP         NODE',
        'default       web    1/2     CrashLoopBackOff   3          3m20s   10.0.0.7   node-1',
        'kube-system   dns    1/2     CrashLoopBackOff   3          3m20s   10.0.0.7   node-1',
        '',
      ].join('\n'),
    );
    const selected = await run(['get', 'pods', '-A', '-l', 'app=dns', '-o', 'name']);
    assert.equal(selected.out(), 'pod/dns\n');

    const yaml = await run(['get', 'pod', 'web', '-o', 'yaml']);
    assert.match(yaml.out(), /^apiVersion: v1\nkind: Pod\nmetadata:\n {2}name: web\n/);
    assert.match(yaml.out(), /podIP: 10\.0\.0\.7/);
    const json = JSON.parse((await run(['get', 'pods/web', '-o', 'json'])).out()) as { kind: string };
    assert.equal(json.kind, 'Pod');
    const list = JSON.parse((await run(['get', 'pods', '-o', 'json'])).out()) as {
      kind: string;
      items: unknown[];
    };
    assert.equal(list.kind, 'List');
    assert.equal(list.items.length, 1);

    // What apply does with it runs against the real apiserver (commands/apply.test.ts).
    file('dump.yaml', yaml.out());
    const reread = await run(['create', '--dry-run=client', '-f', 'dump.yaml']);
    assert.equal(reread.out(), 'pod/web created (dry run)\n');
  });

  it('get lists page by page, shows several kinds with kind/name, and says when nothing is found', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      await run(['apply', '-f', file(`${name}.yaml`, podYaml(name))]);
    await run(['apply', '-f', file('deploy.yaml', deploymentYaml)]);
    const paged = await run(['get', 'pods', '-o', 'name', '--chunk-size', '2']);
    assert.equal(paged.out(), 'pod/a\npod/b\npod/c\npod/d\npod/e\n');
    assert.equal(api.requests.filter((r) => r.method === 'listPods').length, 3);

    const both = await run(['get', 'deploy,pods', '-l', 'app=web']);
    assert.match(
      both.out(),
      /^NAME {2,}READY {2,}UP-TO-DATE {2,}AVAILABLE {2,}AGE\ndeployment\.apps\/web {2,}0\/3 {2,}0 {2,}0 /,
    );
    assert.match(
      both.out(),
      /\n\nNAME {2,}READY {2,}STATUS {2,}RESTARTS {2,}AGE\npod\/a {2,}0\/1 {2,}Pending {2,}0 /,
    );

    const none = await run(['get', 'pods', '-n', 'empty']);
    assert.equal(none.out(), '');
    assert.equal(none.err(), 'No resources found in empty namespace.\n');
    assert.equal(none.code, 0);

    const missing = await run(['get', 'pod', 'nope']);
    assert.equal(missing.err(), 'Error from server (NotFound): pods "nope" not found\n');
    assert.equal(missing.code, 1);

    const sent = api.requests.find((r) => r.method === 'listPods' && r.request.namespace === 'empty');
    assert.ok(sent, 'the list went to the namespace given with -n');
  });

  it('get -w prints the table, then a row per change, until interrupted', async () => {
    await run(['apply', '-f', file('a.yaml', podYaml('a'))]);
    const io = testIo({ cwd: dir, env, now: NOW });
    const watching = runWhctl(['get', 'pods', '-w'], io);
    await until(() => api.requests.some((r) => r.method === 'watchPods'), 'the watch');
    const watch = api.requests.find((r) => r.method === 'watchPods');
    // The watch starts where the listing ended, so no change falls between them.
    assert.equal(
      (watch?.request.options as { resourceVersion: string } | undefined)?.resourceVersion,
      pod('default', 'a')?.metadata?.resourceVersion,
    );
    await run(['apply', '-f', file('b.yaml', podYaml('b'))]);
    await run(['delete', 'pod', 'a']);
    await until(
      () => io.out().split('\n').length >= 5,
      () => `five lines, not ${JSON.stringify(io.out())}`,
    );
    io.interrupt();
    assert.equal(await watching, 0);
    const lines = io.out().trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(/\s+/)[0]),
      ['NAME', 'a', 'b', 'a'],
    );
  });

  it('delete by name, TYPE/NAME, file and selector, with grace period, cascade and dry run', async () => {
    for (const name of ['a', 'b', 'c', 'd']) await run(['apply', '-f', file(`${name}.yaml`, podYaml(name))]);
    const dry = await run(['delete', 'pod', 'a', '--dry-run']);
    assert.equal(dry.out(), 'pod "a" deleted (server dry run)\n');
    assert.ok(pod('default', 'a'));

    const byName = await run(['delete', 'pods', 'a', '--grace-period=0', '--cascade=foreground']);
    assert.equal(byName.out(), 'pod "a" deleted\n');
    const sent = api.requests.filter((r) => r.method === 'deletePod').at(-1)?.request;
    assert.deepEqual(sent?.options, {
      gracePeriodSeconds: '0',
      preconditions: undefined,
      propagationPolicy: 'Foreground',
      dryRun: false,
    });

    assert.equal((await run(['delete', 'pod/b'])).out(), 'pod "b" deleted\n');
    assert.equal((await run(['delete', '-f', 'c.yaml'])).out(), 'pod "c" deleted\n');
    assert.equal((await run(['delete', 'pods', '-l', 'app=web'])).out(), 'pod "d" deleted\n');
    assert.equal(api.objects.size, 0);

    const gone = await run(['delete', 'pod', 'a']);
    assert.equal(gone.code, 1);
    assert.equal(gone.err(), 'Error from server (NotFound): pods "a" not found\n');
    assert.equal((await run(['delete', 'pod', 'a', '--ignore-not-found'])).code, 0);
    assert.equal((await run(['delete', 'pods'])).code, 1);
  });

  it('version prints the client version and the health of the configured server', async () => {
    const res = await run(['version']);
    assert.equal(res.code, 0);
    assert.match(
      res.out(),
      /^Client Version: v\d+\.\d+\.\d+\nServer: 127\.0\.0\.1:\d+ \(serving\)\nConfig: .*config\.yaml\n$/,
    );
  });

  it('fails clearly without a reachable server or config', async () => {
    const noConfig = testIo({ cwd: dir, env: {} });
    assert.equal(await runWhctl(['get', 'pods'], noConfig), 1);
    assert.match(noConfig.err(), /^error: no client config found/);

    writeClientConfig(join(dir, 'down.yaml'), { server: '127.0.0.1:1', insecure: true });
    const down = await run(['get', 'pods', '--config', 'down.yaml']);
    assert.equal(down.code, 1);
    assert.match(down.err(), /^error: cannot reach the apiserver: .*ECONNREFUSED/);
    assert.equal((await run(['version', '--config', 'down.yaml'])).code, 1);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));
});
