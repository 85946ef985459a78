/**
 * `whctl get`'s output options against the real store and apiserver processes
 * (test/cluster.ts): jsonpath, custom columns, sorting, label columns, headers,
 * not-found handling, kinds in names, watch events; and EPIPE through the binary.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeClientConfig } from '../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { runWhctl } from './main.js';
import { type TestIo, testIo } from './test-io.js';

const cluster: Cluster = await startCluster();
after(async () => {
  await cluster.stop();
});

const config = join(cluster.dir, 'whctl.yaml');
writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });

const pod = (name: string, app: string, cpu: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { app: ${app}, tier: t-${name} }
spec:
  containers:
    - name: main
      image: nginx:1.27
      resources: { requests: { cpu: "${cpu}" } }
`;

const run = async (args: string[]): Promise<TestIo & { code: number }> => {
  const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
  const code = await runWhctl(args, io);
  return Object.assign(io, { code });
};

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('whctl get output options', () => {
  before(async () => {
    // Created in this order so that names, creation times and CPU requests sort differently.
    for (const [name, app, cpu] of [
      ['b', 'web', '1500m'],
      ['c', 'db', '250m'],
      ['a', 'web', '2'],
    ] as const) {
      writeFileSync(join(cluster.dir, `${name}.yaml`), pod(name, app, cpu));
      const created = await run(['apply', '-f', `${name}.yaml`]);
      assert.equal(created.code, 0, created.err());
    }
  });

  it('-o jsonpath over a list and over a single object; -o jsonpath-file', async () => {
    const names = await run(['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.equal(names.code, 0, names.err());
    assert.equal(names.out(), 'a b c');
    const ranged = await run([
      'get',
      'pods',
      '-l',
      'app=web',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.metadata.labels.app}{"\\n"}{end}',
    ]);
    assert.equal(ranged.out(), 'a\tweb\nb\tweb\n');
    const filtered = await run([
      'get',
      'pods',
      '-o',
      'jsonpath={.items[?(@.metadata.labels.app=="db")].metadata.name}',
    ]);
    assert.equal(filtered.out(), 'c');
    assert.equal((await run(['get', 'pod', 'a', '-o=jsonpath={.kind}/{.metadata.name}'])).out(), 'Pod/a');
    writeFileSync(join(cluster.dir, 'names.jsonpath'), '{..containers[*].image}');
    assert.equal((await run(['get', 'pod', 'a', '-o', 'jsonpath-file=names.jsonpath'])).out(), 'nginx:1.27');
    const bad = await run(['get', 'pods', '-o', 'jsonpath={.items[0}']);
    assert.equal(bad.code, 1);
    assert.match(bad.err(), /error parsing jsonpath/);
    const go = await run(['get', 'pods', '-o', 'go-template={{.metadata.name}}']);
    assert.match(go.err(), /go-template is not supported: use -o jsonpath/);
  });

  it('-o custom-columns and custom-columns-file, with --no-headers', async () => {
    const out = await run([
      'get',
      'pods',
      '-o',
      'custom-columns=NAME:.metadata.name,APP:.metadata.labels.app,NODE:.spec.nodeName',
    ]);
    assert.equal(
      out.out(),
      'NAME   APP   NODE\na      web   <none>\nb      web   <none>\nc      db    <none>\n',
    );
    writeFileSync(
      join(cluster.dir, 'cols.txt'),
      'NAME CPU\n.metadata.name .spec.containers[0].resources.requests.cpu\n',
    );
    const file = await run(['get', 'pods', '-o', 'custom-columns-file=cols.txt', '--no-headers']);
    assert.equal(file.out(), 'a   2\nb   1500m\nc   250m\n');
    const table = await run(['get', 'pods', '--no-headers']);
    assert.doesNotMatch(table.out(), /NAME/);
    assert.equal(table.out().split('\n').length, 4);
  });

  it('--sort-by compares quantities, times and text as such', async () => {
    const by = async (path: string) =>
      (await run(['get', 'pods', `--sort-by=${path}`, '-o', 'jsonpath={.items[*].metadata.name}'])).out();
    assert.equal(await by('.spec.containers[0].resources.requests.cpu'), 'c b a');
    assert.equal(await by('.metadata.creationTimestamp'), 'b c a');
    assert.equal(await by('{.metadata.labels.tier}'), 'a b c');
    assert.equal(await by('metadata.resourceVersion'), 'b c a');
    const table = await run([
      'get',
      'pods',
      '--sort-by',
      '.metadata.labels.app',
      '--no-headers',
      '-o',
      'name',
    ]);
    assert.equal(table.out(), 'pod/c\npod/a\npod/b\n');
  });

  it('-L adds a column per label key; --show-kind names kind/name', async () => {
    const out = await run(['get', 'pods', '-L', 'app', '-L', 'tier,missing', '--show-kind']);
    const [head, first] = out.out().split('\n');
    assert.match(head ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+APP\s+TIER\s+MISSING$/);
    assert.match(first ?? '', /^pod\/a\s.*\sweb\s+t-a\s*$/);
  });

  it('--ignore-not-found makes a missing named object silent and successful', async () => {
    const missing = await run(['get', 'pod', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.err(), /NotFound/);
    const ignored = await run(['get', 'pod', 'nope', '--ignore-not-found']);
    assert.equal(ignored.code, 0);
    assert.equal(ignored.out(), '');
    assert.equal(ignored.err(), '');
    const some = await run(['get', 'pod', 'nope', 'a', '--ignore-not-found', '-o', 'name']);
    assert.equal(some.out(), 'pod/a\n');
  });

  it('global flags are accepted before the command name', async () => {
    const out = await run(['-n', 'default', '--config', config, 'get', 'pod', 'a', '-o', 'name', '-v', '2']);
    assert.equal(out.code, 0, out.err());
    assert.equal(out.out(), 'pod/a\n');
    const badContext = await run(['get', 'pods', '--context', 'nope']);
    assert.equal(badContext.code, 1);
    assert.match(badContext.err(), /no context named "nope"; it has "default"/);
    const traced = await run(['get', 'pods', '-v=6', '--context', 'default', '-o', 'name']);
    assert.equal(traced.code, 0, traced.err());
    assert.match(
      traced.err(),
      /^I\d{4} [\d:.]+ Config loaded from file: .*\nI\d{4} [\d:.]+ 127\.0\.0\.1:\d+\/wheelhouse\.core\.v1\.PodService\/ListPods OK in \d+ milliseconds\n$/,
    );
  });

  it('-w --output-watch-events prints an EVENT column; with -o json, {type, object}', async () => {
    const table = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const json = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const only = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const running = [
      runWhctl(['get', 'pods', '-w', '--output-watch-events'], table),
      runWhctl(['get', 'pods', '-w', '--output-watch-events', '-o', 'json'], json),
      runWhctl(['get', 'pods', '--watch-only', '-o', 'name'], only),
    ];
    try {
      await until('the listings', () =>
        table.out().includes('ADDED') && json.out().includes('"ADDED"') ? true : undefined,
      );
      writeFileSync(join(cluster.dir, 'd.yaml'), pod('d', 'web', '1'));
      assert.equal((await run(['apply', '-f', 'd.yaml'])).code, 0);
      await until('the watch events', () =>
        /\nADDED\s+d\s/.test(table.out()) &&
        json.out().includes('"name": "d"') &&
        only.out().includes('pod/d')
          ? true
          : undefined,
      );
      assert.match(table.out(), /^EVENT\s+NAME\s+READY/);
      assert.match(table.out(), /\nADDED\s+a\s/);
      const events = json
        .out()
        .split(/\n(?=\{)/)
        .map((text) => JSON.parse(text) as { type: string; object: { metadata: { name: string } } });
      assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`).slice(0, 4), [
        'ADDED a',
        'ADDED b',
        'ADDED c',
        'ADDED d',
      ]);
      // --watch-only skips the current list: only the new pod.
      assert.equal(only.out(), 'pod/d\n');
    } finally {
      for (const io of [table, json, only]) io.interrupt();
      assert.deepEqual(await Promise.all(running), [0, 0, 0]);
    }
  });

  it('a reader that closes early ends whctl quietly (no EPIPE stack)', async () => {
    const bin = new URL('../../bin/whctl.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [bin, 'get', 'pods', '-w', '-o', 'json'], {
      env: { ...process.env, WHEELHOUSE_CONFIG: config, WHEELHOUSE_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      // Read the first chunk, then close the pipe as `head -1` does.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      child.stdout.destroy();
      // Writes after the close are what fails: make the watch print more.
      writeFileSync(join(cluster.dir, 'e.yaml'), pod('e', 'web', '1'));
      await run(['apply', '-f', 'e.yaml']);
      const code = await exited;
      assert.doesNotMatch(err, /EPIPE|Error|at /);
      assert.equal(code, 0);
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
  });
});
