/**
 * edit and set image against the real store and apiserver processes. The editor
 * is a shell script that edits the file as a person would: by a sed expression
 * (or by saving it untouched), and keeps each version it was given for the
 * test to read.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { LAST_APPLIED_ANNOTATION } from '../last-applied.js';
import { runWhctl } from '../main.js';
import { type TestIo, testIo } from '../test-io.js';
import { stripComments } from './edit.js';

const cluster: Cluster = await startCluster();
after(async () => {
  await cluster.stop();
});

const config = join(cluster.dir, 'whctl.yaml');
writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
const tmp = join(cluster.dir, 'tmp');
const opened = join(cluster.dir, 'opened');
// The edited file goes to TMPDIR: the cluster's folder, removed with it.
mkdirSync(tmp);

/**
 * An editor that applies the n-th sed expression on its n-th run (none: saves
 * as it is) and copies what it was given to opened/<n>.
 */
function editor(...expressions: string[]): string {
  const script = join(cluster.dir, 'editor.sh');
  rmSync(opened, { recursive: true, force: true });
  const cases = expressions.map((e, i) => `  ${i + 1}) sed -i -e '${e}' "$1" ;;`).join('\n');
  writeFileSync(
    script,
    `#!/bin/sh
set -e
mkdir -p ${opened}
n=$(( $(ls ${opened} | wc -l) + 1 ))
cp "$1" ${opened}/$n
case $n in
${cases}
  *) ;;
esac
`,
  );
  chmodSync(script, 0o755);
  return script;
}
const openedVersion = (n: number) => readFileSync(join(opened, String(n)), 'utf8');

const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<TestIo & { code: number }> => {
  const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config, TMPDIR: tmp, ...env } });
  const code = await runWhctl(args, io);
  return Object.assign(io, { code });
};
const file = (name: string, text: string) => {
  writeFileSync(join(cluster.dir, name), text);
  return name;
};
const live = async (what: string) => {
  const got = await run(['get', what, '-o', 'json']);
  assert.equal(got.err(), '');
  return JSON.parse(got.out()) as {
    metadata: { annotations?: Record<string, string> };
    spec: {
      replicas?: number;
      containers?: { name: string; image: string }[];
      initContainers?: { name: string; image: string }[];
      template?: { spec: { containers: { name: string; image: string }[] } };
    };
  };
};

const deploymentYaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
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

describe('whctl edit', () => {
  it('opens the object under the header and patches what the editor changed', async () => {
    assert.equal((await run(['apply', '-f', file('deploy.yaml', deploymentYaml)])).code, 0);
    const res = await run(['edit', 'deployment/web'], { EDITOR: editor('s/replicas: 2/replicas: 5/') });
    assert.equal(res.err(), '');
    assert.equal(res.out(), 'deployment.apps/web edited\n');
    const first = openedVersion(1);
    assert.match(first, /^# Please edit the object below\. Lines beginning with a '#' will be ignored,\n/);
    assert.match(first, /\n#\napiVersion: apps\/v1\nkind: Deployment\n/);
    const after = await live('deploy/web');
    assert.equal(after.spec.replicas, 5);
    // The apply record follows the edit, so that a later apply does not undo it blindly.
    const record = JSON.parse(after.metadata.annotations?.[LAST_APPLIED_ANNOTATION] ?? '{}');
    assert.equal(record.spec.replicas, 5);
    assert.equal(record.status, undefined);
    assert.deepEqual(readdirSync(tmp), [], 'the temporary file is removed');
  });

  it('an untouched file cancels; JSON is edited with -o json; TYPE NAME works', async () => {
    const untouched = await run(['edit', 'deploy', 'web'], { EDITOR: editor() });
    assert.equal(untouched.code, 0);
    assert.equal(untouched.err(), 'Edit cancelled, no changes made.\n');
    assert.equal(untouched.out(), '');

    const json = await run(['edit', 'deploy/web', '-o', 'json'], {
      KUBE_EDITOR: editor('s/"replicas": 5/"replicas": 3/'),
      EDITOR: 'false',
    });
    assert.equal(json.err(), '');
    assert.equal(json.out(), 'deployment.apps/web edited\n');
    assert.ok(JSON.parse(stripComments(openedVersion(1))), 'the file holds JSON');
    assert.equal((await live('deploy/web')).spec.replicas, 3);
  });

  it('re-opens a refused save with the reasons on top and the edits kept; unchanged again gives up', async () => {
    const res = await run(['edit', 'deploy/web'], { EDITOR: editor('s/image: nginx:1.27/image: ""/') });
    assert.equal(res.code, 1);
    const second = openedVersion(2);
    assert.match(
      second,
      /\n# deployments\.apps "web" was not valid:\n# \* spec\.template\.spec\.containers\[0\]\.image: [^\n]+\n#\n/,
    );
    assert.match(second, /^ +image: ""$/m, 'the edit is kept');
    assert.match(res.err(), /^error: deployments\.apps "web" is invalid\n/);
    const kept = /A copy of your changes has been stored to "([^"]+)"\n/.exec(res.err());
    assert.ok(kept, res.err());
    assert.match(res.err(), /error: Edit cancelled, no valid changes were saved\.\n$/);
    assert.ok(existsSync(kept[1] as string));
    assert.match(readFileSync(kept[1] as string, 'utf8'), /image: ""/);
    assert.equal((await live('deploy/web')).spec.template?.spec.containers[0]?.image, 'nginx:1.27');
    rmSync(kept[1] as string);
  });

  it('a refused save that is fixed in the re-opened file goes through', async () => {
    const res = await run(['edit', 'deploy/web'], {
      EDITOR: editor('s/replicas: 3/replicas: -1/', 's/replicas: -1/replicas: 1/'),
    });
    assert.equal(res.out(), 'deployment.apps/web edited\n');
    assert.equal(res.code, 0);
    assert.equal((await live('deploy/web')).spec.replicas, 1);
  });

  it('edits several objects as a List; only the refused ones open again', async () => {
    assert.equal(
      (await run(['apply', '-f', file('other.yaml', deploymentYaml.replace('name: web', 'name: other'))]))
        .code,
      0,
    );
    const res = await run(['edit', 'deploy', 'web', 'other'], {
      EDITOR: editor(
        's/replicas: 1$/replicas: 3/;s/replicas: 2$/replicas: -4/',
        's/replicas: -4/replicas: 4/',
      ),
    });
    assert.match(openedVersion(1), /\napiVersion: v1\nkind: List\nitems:\n/);
    const second = openedVersion(2);
    assert.match(second, /^# deployments\.apps "other" was not valid:$/m);
    assert.doesNotMatch(second, /name: web$/m, 'the object saved is not opened again');
    assert.equal(res.out(), 'deployment.apps/web edited\ndeployment.apps/other edited\n');
    assert.equal(res.code, 0);
    assert.equal((await live('deploy/web')).spec.replicas, 3);
    assert.equal((await live('deploy/other')).spec.replicas, 4);
  });

  it('a syntax error re-opens the file too', async () => {
    const res = await run(['edit', 'deploy/web'], {
      EDITOR: editor('s/^spec:/spec: [/', 's/^spec: \\[/spec:/;s/replicas: 3/replicas: 2/'),
    });
    assert.match(openedVersion(2), /^# The edited file had a syntax error: /m);
    assert.equal(res.out(), 'deployment.apps/web edited\n');
    assert.equal((await live('deploy/web')).spec.replicas, 2);
  });
});

describe('whctl set image', () => {
  const podYaml = `apiVersion: v1
kind: Pod
metadata: { name: app }
spec:
  initContainers: [{ name: init, image: "busybox:1" }]
  containers:
    - { name: main, image: "nginx:1.27" }
    - { name: sidecar, image: "envoy:1" }
`;

  it('patches the named containers of a pod and a workload template', async () => {
    assert.equal((await run(['apply', '-f', file('app.yaml', podYaml)])).code, 0);
    const res = await run(['set', 'image', 'pod/app', 'main=nginx:1.28', 'init=busybox:2']);
    assert.equal(res.err(), '');
    assert.equal(res.out(), 'pod/app image updated\n');
    const pod = await live('pod/app');
    assert.deepEqual(
      [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c) => `${c.name}=${c.image}`),
      ['init=busybox:2', 'main=nginx:1.28', 'sidecar=envoy:1'],
    );

    const deploy = await run(['set', 'image', 'deployments', 'web', '*=nginx:1.29']);
    assert.equal(deploy.out(), 'deployment.apps/web image updated\n');
    assert.equal((await live('deploy/web')).spec.template?.spec.containers[0]?.image, 'nginx:1.29');
    // Nothing to change: kubectl says nothing.
    const same = await run(['set', 'image', '-f', 'deploy.yaml', 'main=nginx:1.29']);
    assert.equal(same.out(), '');
    assert.equal(same.code, 0);
  });

  it('refuses an unknown container, and selects with -l', async () => {
    const unknown = await run(['set', 'image', 'pod/app', 'nope=x']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.err(), 'error: unable to find container named "nope" in pod/app\n');

    assert.equal((await run(['label', 'deploy', 'web', 'tier=front'])).code, 0);
    const selected = await run([
      'set',
      'image',
      'deploy',
      '-l',
      'tier=front',
      'main=nginx:1.30',
      '--dry-run=server',
    ]);
    assert.equal(selected.err(), '');
    assert.equal(selected.out(), 'deployment.apps/web image updated (server dry run)\n');
    assert.equal((await live('deploy/web')).spec.template?.spec.containers[0]?.image, 'nginx:1.29');
  });
});
