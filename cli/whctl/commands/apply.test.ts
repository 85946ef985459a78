/**
 * apply, diff and replace against the real store and apiserver processes: the
 * three-way patch changes what the manifest changed, removes what it removed,
 * and keeps what other writers set; diff shows it without changing anything;
 * replace writes whole objects.
 */
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { parseManifests } from '../../../sdk/manifest/index.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { LAST_APPLIED_ANNOTATION } from '../last-applied.js';
import { runWhctl } from '../main.js';
import type { SourcedObject } from '../manifests.js';
import { type TestIo, testIo } from '../test-io.js';
import { appliedManifest } from './apply.js';

const cluster: Cluster = await startCluster();
after(async () => {
  await cluster.stop();
});

const config = join(cluster.dir, 'whctl.yaml');
writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });

const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<TestIo & { code: number }> => {
  const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config, ...env } });
  const code = await runWhctl(args, io);
  return Object.assign(io, { code });
};
const file = (name: string, text: string) => {
  writeFileSync(join(cluster.dir, name), text);
  return name;
};

interface Live {
  metadata: {
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: {
    replicas?: number;
    containers?: { name: string; image: string }[];
    template?: { spec: { containers: { name: string; image: string }[] } };
  };
  data?: Record<string, string>;
}
const live = async (what: string): Promise<Live> => {
  const got = await run(['get', what, '-o', 'json']);
  assert.equal(got.err(), '');
  return JSON.parse(got.out()) as Live;
};

const podYaml = (opts: { image?: string; labels?: string } = {}) => `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { ${opts.labels ?? 'app: web, tier: front'} }
spec:
  containers:
    - name: main
      image: ${opts.image ?? 'nginx:1.27'}
      resources: { requests: { cpu: 1 } }
    - name: sidecar
      image: envoy:1
`;

const deploymentYaml = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: main
          image: ${image}
`;

describe('whctl apply', () => {
  it('records the manifest on create, is unchanged when applied again, and changes an image', async () => {
    const created = await run(['apply', '-f', file('pod.yaml', podYaml())]);
    assert.equal(created.err(), '');
    assert.equal(created.out(), 'pod/web created\n');
    const record = JSON.parse((await live('pod/web')).metadata.annotations?.[LAST_APPLIED_ANNOTATION] ?? '');
    assert.equal(record.metadata.namespace, 'default', 'the placed namespace is recorded');
    assert.equal(record.metadata.annotations, undefined, 'the record leaves itself out');
    assert.equal(record.spec.containers[0].resources.requests.cpu, '1', 'in the form the server answers in');

    // `cpu: 1` against the stored "1" and the server's defaults are no difference.
    const again = await run(['apply', '-f', 'pod.yaml']);
    assert.equal(again.out(), 'pod/web unchanged\n');

    const before = await live('pod/web');
    const changed = await run(['apply', '-f', file('pod.yaml', podYaml({ image: 'nginx:1.28' }))]);
    assert.equal(changed.err(), '');
    assert.equal(changed.out(), 'pod/web configured\n');
    const after = await live('pod/web');
    assert.deepEqual(
      after.spec?.containers?.map((c) => `${c.name}=${c.image}`),
      ['main=nginx:1.28', 'sidecar=envoy:1'],
    );
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal((await run(['apply', '-f', 'pod.yaml'])).out(), 'pod/web unchanged\n');
  });

  it('removes a label removed from the manifest, keeps one another writer added', async () => {
    const labelled = await run(['label', 'pod', 'web', 'owner=ops']);
    assert.equal(labelled.err(), '');
    const res = await run([
      'apply',
      '-f',
      file('pod.yaml', podYaml({ image: 'nginx:1.28', labels: 'app: web' })),
    ]);
    assert.equal(res.err(), '');
    assert.equal(res.out(), 'pod/web configured\n');
    assert.deepEqual((await live('pod/web')).metadata.labels, { app: 'web', owner: 'ops' });
  });

  it('--overwrite=false refuses to change what another writer changed since the last apply', async () => {
    assert.equal((await run(['label', '--overwrite', 'pod', 'web', 'app=theirs'])).code, 0);
    const manifest = file('pod.yaml', podYaml({ image: 'nginx:1.28', labels: 'app: mine' }));
    const refused = await run(['apply', '--overwrite=false', '-f', manifest]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.err(),
      /^error: pod\/web: the manifest changes a field that was also changed on the live object/,
    );
    assert.equal((await live('pod/web')).metadata.labels?.app, 'theirs');
    assert.equal((await run(['apply', '-f', manifest])).out(), 'pod/web configured\n');
    assert.equal((await live('pod/web')).metadata.labels?.app, 'mine');
  });

  it('dry runs change nothing; -o prints the result', async () => {
    const manifest = file('pod-dry.yaml', podYaml({ image: 'nginx:1.29', labels: 'app: web' }));
    const before = await live('pod/web');
    const server = await run(['apply', '-f', manifest, '--dry-run=server', '-o', 'json']);
    assert.equal(server.err(), '');
    const answered = JSON.parse(server.out()) as Live;
    assert.equal(answered.spec?.containers?.[0]?.image, 'nginx:1.29', 'the server merged the patch');
    const client = await run(['apply', '-f', manifest, '--dry-run=client']);
    assert.equal(client.out(), 'pod/web configured (dry run)\n');
    const after = await live('pod/web');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(after.spec?.containers?.[0]?.image, 'nginx:1.28');
    assert.equal((await run(['apply', '-f', manifest, '-o', 'name'])).out(), 'pod/web\n');
  });

  it('keeps replicas set by scale when the manifest leaves them out', async () => {
    assert.equal(
      (await run(['apply', '-f', file('deploy.yaml', deploymentYaml('nginx:1.27'))])).out(),
      'deployment.apps/web created\n',
    );
    assert.equal((await run(['scale', '--replicas=4', 'deploy/web'])).code, 0);
    const res = await run(['apply', '-f', file('deploy.yaml', deploymentYaml('nginx:1.28'))]);
    assert.equal(res.out(), 'deployment.apps/web configured\n');
    const after = await live('deploy/web');
    assert.equal(after.spec?.replicas, 4);
    assert.equal(after.spec?.template?.spec.containers[0]?.image, 'nginx:1.28');
  });

  it('warns about an object created without a record, and records it', async () => {
    const manifest = file(
      'cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: plain }\ndata: { a: "1" }\n',
    );
    assert.equal((await run(['create', '-f', manifest])).code, 0);
    const res = await run(['apply', '-f', manifest]);
    assert.equal(res.code, 0);
    assert.equal(res.out(), 'configmap/plain configured\n');
    assert.match(
      res.err(),
      /^Warning: resource configmaps\/plain is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/,
    );
    assert.ok((await live('cm/plain')).metadata.annotations?.[LAST_APPLIED_ANNOTATION]);
    const again = await run(['apply', '-f', manifest]);
    assert.equal(again.err(), '');
    assert.equal(again.out(), 'configmap/plain unchanged\n');
  });

  it('applies cluster-scoped objects, which record no namespace', async () => {
    const manifest = file(
      'ns.yaml',
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: team, labels: { a: "1" } }\n',
    );
    assert.equal((await run(['apply', '-n', 'default', '-f', manifest])).out(), 'namespace/team created\n');
    assert.equal((await run(['apply', '-f', manifest])).out(), 'namespace/team unchanged\n');
    const record = JSON.parse((await live('ns/team')).metadata.annotations?.[LAST_APPLIED_ANNOTATION] ?? '');
    assert.deepEqual(record.metadata, { name: 'team', labels: { a: '1' } });
  });

  it('keeps a zero value the manifest writes out', () => {
    const text =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { paused: false, replicas: 0, selector: { matchLabels: { a: b } } }\n';
    const [parsed] = parseManifests(text);
    assert.ok(parsed);
    const sourced: SourcedObject = {
      ...parsed,
      source: 'd.yaml',
      raw: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { paused: false, replicas: 0 },
      },
    };
    const manifest = appliedManifest(sourced) as { spec: { paused?: boolean; replicas?: number } };
    assert.equal(manifest.spec.paused, false);
    assert.equal(manifest.spec.replicas, 0);
  });
});

describe('whctl diff', () => {
  it('exits 0 without differences, 1 with them, and changes nothing', async () => {
    const same = await run(['diff', '-f', 'deploy.yaml']);
    assert.equal(same.err(), '');
    assert.equal(same.out(), '');
    assert.equal(same.code, 0);

    const before = await live('deploy/web');
    const changed = await run(['diff', '-f', file('deploy2.yaml', deploymentYaml('nginx:1.29'))]);
    assert.equal(changed.err(), '');
    assert.equal(changed.code, 1);
    assert.match(changed.out(), /^diff -u -N .*\/LIVE-[^/]+\/apps\.v1\.Deployment\.default\.web /m);
    assert.match(changed.out(), /^- +image: nginx:1\.28$/m);
    assert.match(changed.out(), /^\+ +image: nginx:1\.29$/m);
    assert.doesNotMatch(changed.out(), /^[-+] +replicas:/m, 'replicas set by scale are kept');
    const after = await live('deploy/web');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);

    const added = await run([
      'diff',
      '-f',
      file('new.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: fresh }\ndata: { k: v }\n'),
    ]);
    assert.equal(added.code, 1);
    assert.match(added.out(), /^\+kind: ConfigMap$/m);
    assert.equal((await run(['get', 'cm', 'fresh'])).code, 1, 'a dry-run create stores nothing');
  });

  it('masks the values of secrets, the last-applied record included', async () => {
    const secret = (value: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata: { same: c2FtZQ==, key: ${value} }\n`;
    assert.equal((await run(['apply', '-f', file('secret.yaml', secret('b2xk'))])).code, 0);
    const res = await run(['diff', '-f', file('secret.yaml', secret('bmV3'))]);
    assert.equal(res.code, 1);
    assert.match(res.out(), /^- +key: .\*\*\* \(before\).$/m);
    assert.match(res.out(), /^\+ +key: .\*\*\* \(after\).$/m);
    assert.match(res.out(), /^ +same: .\*\*\*.$/m);
    assert.doesNotMatch(res.out(), /b2xk|bmV3|c2FtZQ/);
  });

  it('uses KUBECTL_EXTERNAL_DIFF, and exits above 1 on errors', async () => {
    const script = join(cluster.dir, 'mydiff.sh');
    writeFileSync(script, '#!/bin/sh\necho "compared $(basename "$1" | cut -c1-5) $(ls "$2")"\nexit 1\n');
    chmodSync(script, 0o755);
    const external = await run(['diff', '-f', 'deploy2.yaml'], { KUBECTL_EXTERNAL_DIFF: script });
    assert.equal(external.out(), 'compared LIVE- apps.v1.Deployment.default.web\n');
    assert.equal(external.code, 1);

    const invalid = await run([
      'diff',
      '-f',
      file('bad.yaml', podYaml({ image: '""' }).replace('name: web', 'name: bad')),
    ]);
    assert.match(invalid.err(), /^Error from server \(Invalid\)/);
    assert.equal(invalid.code, 2);
    const missing = await run(['diff', '-f', 'nothing-here.yaml']);
    assert.match(missing.err(), /the path "nothing-here.yaml" does not exist/);
    assert.equal(missing.code, 2);
  });
});

describe('whctl replace', () => {
  const cm = (data: string, extra = '') =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: whole\n${extra}data: { ${data} }\n`;

  it('writes the whole object, with the live resourceVersion unless the manifest has one', async () => {
    assert.equal((await run(['apply', '-f', file('whole.yaml', cm('a: "1", b: "2"'))])).code, 0);
    const replaced = await run(['replace', '-f', file('whole.yaml', cm('a: "1"'))]);
    assert.equal(replaced.err(), '');
    assert.equal(replaced.out(), 'configmap/whole replaced\n');
    const after = await live('cm/whole');
    assert.deepEqual(after.data, { a: '1' });
    assert.equal(after.metadata.annotations?.[LAST_APPLIED_ANNOTATION], undefined, 'the record is not kept');

    const stale = await run(['replace', '-f', file('stale.yaml', cm('a: "3"', '  resourceVersion: "1"\n'))]);
    assert.equal(stale.code, 1);
    assert.match(stale.err(), /^Error from server \(Conflict\)/);
    assert.equal(
      (await run(['replace', '-f', file('gone.yaml', cm('a: "1"').replace('whole', 'gone'))])).code,
      1,
    );
  });

  it('--force deletes and creates the object anew', async () => {
    const before = await live('cm/whole');
    const forced = await run(['replace', '--force', '--save-config', '-f', file('whole.yaml', cm('c: "3"'))]);
    assert.equal(forced.err(), '');
    assert.equal(forced.out(), 'configmap "whole" deleted\nconfigmap/whole replaced\n');
    const after = await live('cm/whole');
    assert.notEqual(after.metadata.uid, before.metadata.uid);
    assert.deepEqual(after.data, { c: '3' });
    assert.ok(after.metadata.annotations?.[LAST_APPLIED_ANNOTATION], '--save-config records it');
  });
});
