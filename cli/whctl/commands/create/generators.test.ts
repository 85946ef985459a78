/**
 * `whctl create <kind>` and `whctl run`: the objects kubectl's generators would build
 * for the same flags (printed with --dry-run=client), then created for real through a
 * store and apiserver, read back, and a Job run from a CronJob's template.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeClientConfig } from '../../../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../../../test/cluster.js';
import { runWhctl } from '../../main.js';
import { type TestIo, testIo } from '../../test-io.js';

const cluster: Cluster = await startCluster();
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
/** The value at a dotted path (`spec.containers.0.name`) of a parsed object. */
const at = (object: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], object);
const text = (value: unknown): string => String(value);
/** The object a generator builds, without creating it. */
const built = async (args: string[]): Promise<Obj> => {
  const dashes = args.indexOf('--');
  const flags = ['--dry-run=client', '-o', 'json'];
  const got = await run(
    dashes < 0 ? [...args, ...flags] : [...args.slice(0, dashes), ...flags, ...args.slice(dashes)],
  );
  assert.equal(got.err(), '', got.err());
  assert.equal(got.code, 0);
  return JSON.parse(got.out()) as Obj;
};
const failure = async (args: string[]): Promise<string> => {
  const got = await run(args);
  assert.notEqual(got.code, 0, `${args.join(' ')} should fail`);
  return got.err();
};

describe('generators build what kubectl builds', () => {
  it('deployment: app=NAME, a container named after each image, replicas, port, command', async () => {
    const d = await built([
      'create',
      'deployment',
      'web',
      '--image=registry.local:5000/team/nginx:1.27',
      '--replicas=3',
      '--port=80',
    ]);
    assert.deepEqual(at(d, 'metadata.labels'), { app: 'web' });
    assert.equal(at(d, 'spec.replicas'), 3);
    assert.deepEqual(at(d, 'spec.selector.matchLabels'), { app: 'web' });
    assert.deepEqual(at(d, 'spec.template.metadata.labels'), { app: 'web' });
    const c = at(d, 'spec.template.spec.containers.0');
    assert.equal(at(c, 'name'), 'nginx');
    assert.equal(at(c, 'image'), 'registry.local:5000/team/nginx:1.27');
    assert.equal(at(c, 'ports.0.containerPort'), 80);
    const withCommand = await built(['create', 'deploy', 'sleeper', '--image=sleep', '--', 'sleep', '3600']);
    assert.deepEqual(at(withCommand, 'spec.template.spec.containers.0.command'), ['sleep', '3600']);
    assert.equal(at(withCommand, 'spec.replicas'), 1);
    assert.match(
      await failure(['create', 'deployment', 'x', '--image=a', '--image=b', '--', 'sh']),
      /cannot specify multiple --image options and command/,
    );
    assert.match(await failure(['create', 'deployment', 'x']), /required flag\(s\) "image" not set/);
    assert.match(await failure(['create', 'deployment', '--image=a']), /exactly one NAME is required, got 0/);
  });

  it('configmap and secret generic: literals, files, folders and env files; bad keys refused', async () => {
    const dir = join(cluster.dir, 'conf');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    writeFileSync(join(dir, 'b.bin'), Buffer.from([0xff, 0x00, 0xfe]));
    writeFileSync(join(cluster.dir, 'app.env'), '# settings\nMODE=fast\n\nLEVEL=3\n');
    const cm = await built([
      'create',
      'configmap',
      'settings',
      '--from-literal=greeting=hello',
      '--from-file=conf',
      '--from-file=renamed=conf/a.txt',
      '--from-env-file=app.env',
    ]);
    assert.deepEqual(at(cm, 'data'), {
      greeting: 'hello',
      'a.txt': 'alpha',
      renamed: 'alpha',
      MODE: 'fast',
      LEVEL: '3',
    });
    assert.deepEqual(at(cm, 'binaryData'), { 'b.bin': Buffer.from([0xff, 0x00, 0xfe]).toString('base64') });
    assert.match(
      await failure(['create', 'cm', 'x', '--from-literal=k=1', '--from-literal=k=2']),
      /cannot add key k, another key by that name already exists/,
    );
    assert.match(await failure(['create', 'cm', 'x', '--from-literal=bad/key=1']), /not a valid key name/);

    const s = await built([
      'create',
      'secret',
      'generic',
      'creds',
      '--from-literal=user=admin',
      '--type=Custom',
    ]);
    assert.equal(at(s, 'type'), 'Custom');
    assert.equal(Buffer.from(text(at(s, 'data.user')), 'base64').toString(), 'admin');
  });

  it('secret docker-registry and tls', async () => {
    const s = await built([
      'create',
      'secret',
      'docker-registry',
      'pull',
      '--docker-server=registry.local:5000',
      '--docker-username=u',
      '--docker-password=p',
    ]);
    assert.equal(at(s, 'type'), 'kubernetes.io/dockerconfigjson');
    const json = JSON.parse(
      Buffer.from(text((at(s, 'data') as Obj)['.dockerconfigjson']), 'base64').toString(),
    );
    assert.deepEqual(json, {
      auths: {
        'registry.local:5000': { username: 'u', password: 'p', auth: Buffer.from('u:p').toString('base64') },
      },
    });
    const pki = cluster.pki as unknown as { caFile: string };
    const t = await built([
      'create',
      'secret',
      'tls',
      'tls',
      `--cert=${pki.caFile}`,
      `--key=${pki.caFile.replace(/\.crt$/, '.key')}`,
    ]);
    assert.equal(at(t, 'type'), 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(at(t, 'data') as Obj).sort(), ['tls.crt', 'tls.key']);
    assert.match(
      await failure(['create', 'secret', 'tls', 'x', `--cert=${pki.caFile}`, `--key=${pki.caFile}`]),
      /no PEM private key/,
    );
    assert.match(await failure(['create', 'secret', 'opaque', 'x']), /unknown form "opaque"/);
  });

  it('role and clusterrole: one rule per API group, resources with groups and subresources', async () => {
    const r = await built([
      'create',
      'role',
      'reader',
      '--verb=get,list',
      '--verb=watch',
      '--resource=pods,pods/log',
      '--resource=deployments.apps',
      '--resource-name=web',
    ]);
    assert.deepEqual(at(r, 'rules'), [
      {
        verbs: ['get', 'list', 'watch'],
        apiGroups: [''],
        resources: ['pods', 'pods/log'],
        resourceNames: ['web'],
      },
      {
        verbs: ['get', 'list', 'watch'],
        apiGroups: ['apps'],
        resources: ['deployments'],
        resourceNames: ['web'],
      },
    ]);
    assert.match(
      await failure(['create', 'role', 'x', '--verb=peek', '--resource=pods']),
      /invalid verb: 'peek'/,
    );
    assert.match(
      await failure(['create', 'role', 'x', '--verb=get']),
      /at least one resource must be specified/,
    );

    const c = await built(['create', 'clusterrole', 'metrics', '--verb=get', '--non-resource-url=/metrics']);
    assert.deepEqual(at(c, 'rules'), [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]);
    const agg = await built([
      'create',
      'clusterrole',
      'monitoring',
      '--aggregation-rule=rbac.example.com/aggregate=true',
    ]);
    assert.deepEqual(at(agg, 'aggregationRule'), {
      clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }],
    });
  });

  it('rolebinding and clusterrolebinding: users, groups and service accounts', async () => {
    const b = await built([
      'create',
      'rolebinding',
      'read',
      '--clusterrole=view',
      '--user=alice',
      '--group=devs',
      '--serviceaccount=ci:builder',
    ]);
    assert.deepEqual(at(b, 'roleRef'), {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'view',
    });
    assert.deepEqual(at(b, 'subjects'), [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
      { kind: 'ServiceAccount', namespace: 'ci', name: 'builder' },
    ]);
    assert.match(
      await failure(['create', 'rolebinding', 'x', '--role=a', '--clusterrole=b']),
      /exactly one of clusterrole or role/,
    );
    assert.match(
      await failure(['create', 'clusterrolebinding', 'x', '--clusterrole=view', '--serviceaccount=builder']),
      /<namespace>:<name>/,
    );
  });

  it('job, cronjob, priorityclass, namespace, serviceaccount', async () => {
    const j = await built(['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi']);
    assert.equal(at(j, 'spec.template.spec.containers.0.name'), 'once');
    assert.equal(at(j, 'spec.template.spec.containers.0.image'), 'busybox');
    assert.deepEqual(at(j, 'spec.template.spec.containers.0.command'), ['echo', 'hi']);
    assert.equal(at(j, 'spec.template.spec.restartPolicy'), 'Never');
    const cj = await built(['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *']);
    assert.equal(at(cj, 'spec.schedule'), '0 3 * * *');
    assert.equal(at(cj, 'spec.jobTemplate.spec.template.spec.restartPolicy'), 'OnFailure');
    assert.equal(at(cj, 'spec.jobTemplate.spec.template.spec.containers.0.name'), 'nightly');
    const pc = await built(['create', 'priorityclass', 'high', '--value=1000', '--description=urgent']);
    assert.equal(at(pc, 'value'), 1000);
    assert.equal(at(pc, 'preemptionPolicy'), 'PreemptLowerPriority');
    assert.equal((await built(['create', 'namespace', 'team'])).kind, 'Namespace');
    assert.equal((await built(['create', 'sa', 'robot'])).kind, 'ServiceAccount');
  });

  it('run: a pod labelled run=NAME; args after --, or the command with --command', async () => {
    const p = await built([
      'run',
      'shell',
      '--image=busybox',
      '--env=A=1',
      '--port=8080',
      '--restart=Never',
      '--',
      'sleep',
      '60',
    ]);
    assert.deepEqual(at(p, 'metadata.labels'), { run: 'shell' });
    const c = at(p, 'spec.containers.0');
    assert.equal(at(c, 'name'), 'shell');
    assert.deepEqual(at(c, 'args'), ['sleep', '60']);
    assert.deepEqual(at(c, 'env'), [{ name: 'A', value: '1' }]);
    assert.equal(at(p, 'spec.restartPolicy'), 'Never');
    const withCommand = await built(['run', 'x', '--image=busybox', '--command', '--', 'sh', '-c', 'true']);
    assert.deepEqual(at(withCommand, 'spec.containers.0.command'), ['sh', '-c', 'true']);
    assert.match(
      await failure(['run', 'x', '--image=busybox', '--restart=Sometimes']),
      /invalid restart policy/,
    );
  });
});

describe('created through the apiserver', () => {
  it('creates each kind, with the server dry run creating nothing, and -o name', async () => {
    const made = await run(['create', 'namespace', 'gen']);
    assert.equal(made.out(), 'namespace/gen created\n');
    const dry = await run(['create', 'deployment', 'web', '-n', 'gen', '--image=sleep', '--dry-run=server']);
    assert.equal(dry.out(), 'deployment.apps/web created (server dry run)\n');
    assert.notEqual((await run(['get', 'deploy', 'web', '-n', 'gen'])).code, 0);
    for (const args of [
      ['create', 'deployment', 'web', '-n', 'gen', '--image=sleep', '--replicas=2', '--save-config'],
      ['create', 'configmap', 'settings', '-n', 'gen', '--from-literal=a=1'],
      ['create', 'secret', 'generic', 'creds', '-n', 'gen', '--from-literal=user=admin'],
      ['create', 'serviceaccount', 'robot', '-n', 'gen'],
      ['create', 'role', 'reader', '-n', 'gen', '--verb=get', '--resource=pods'],
      ['create', 'rolebinding', 'read', '-n', 'gen', '--role=reader', '--user=alice'],
      ['create', 'clusterrole', 'gen-reader', '--verb=get', '--resource=nodes'],
      ['create', 'clusterrolebinding', 'gen-read', '--clusterrole=gen-reader', '--group=devs'],
      [
        'create',
        'cronjob',
        'nightly',
        '-n',
        'gen',
        '--image=sleep',
        '--schedule=0 3 * * *',
        '--',
        'sleep',
        '1',
      ],
      ['create', 'priorityclass', 'gen-high', '--value=1000'],
      ['run', 'shell', '-n', 'gen', '--image=sleep', '--', '3600'],
    ]) {
      const got = await run(args);
      assert.equal(got.err(), '', `${args.join(' ')}: ${got.err()}`);
      assert.match(got.out(), / created\n$/);
    }
    const deploy = JSON.parse((await run(['get', 'deploy', 'web', '-n', 'gen', '-o', 'json'])).out()) as Obj;
    assert.equal(at(deploy, 'spec.replicas'), 2);
    assert.ok(
      (at(deploy, 'metadata.annotations') as Obj)['kubectl.kubernetes.io/last-applied-configuration'],
    );
    const again = await run(['create', 'configmap', 'settings', '-n', 'gen', '--from-literal=a=1']);
    assert.equal(again.code, 1);
    assert.match(again.err(), /already exists/);
    const name = await run(['create', 'sa', 'other', '-n', 'gen', '-o', 'name']);
    assert.equal(name.out(), 'serviceaccount/other\n');
  });

  it('create job --from=cronjob/NAME: the template, owned by the CronJob, marked manual', async () => {
    const got = await run(['create', 'job', 'nightly-now', '-n', 'gen', '--from=cronjob/nightly']);
    assert.equal(got.err(), '');
    const job = JSON.parse(
      (await run(['get', 'job', 'nightly-now', '-n', 'gen', '-o', 'json'])).out(),
    ) as Obj;
    const cronJob = JSON.parse(
      (await run(['get', 'cronjob', 'nightly', '-n', 'gen', '-o', 'json'])).out(),
    ) as Obj;
    assert.equal((at(job, 'metadata.annotations') as Obj)['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(at(job, 'metadata.ownerReferences.0.uid'), at(cronJob, 'metadata.uid'));
    assert.equal(at(job, 'metadata.ownerReferences.0.controller'), true);
    assert.deepEqual(at(job, 'spec.template.spec.containers.0.command'), ['sleep', '1']);
    assert.match(
      await failure(['create', 'job', 'x', '-n', 'gen', '--from=deployment/web']),
      /only CronJobs/,
    );
    assert.match(await failure(['create', 'job', 'x', '-n', 'gen', '--from=cronjob/missing']), /not found/);
  });
});
