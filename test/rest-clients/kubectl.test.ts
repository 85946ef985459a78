/**
 * kubectl itself, two minor versions of it, against the apiserver's REST API: the
 * commands people start with, each asserted on what kubectl prints.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Cluster, startCluster } from '../cluster.js';
import { kubectl, kubectlBinary, startKubectl } from './kubectl.js';

const versions = ['1.32', '1.29'];

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ rest: true });
});
after(async () => {
  await cluster?.stop();
});

for (const version of versions) {
  describe(`kubectl ${version}`, () => {
    const ns = `kubectl-${version.replace('.', '-')}`;
    const bin = kubectlBinary(version);
    const run = async (...args: string[]) => {
      const r = await kubectl(bin, cluster.kubeconfig, args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    const file = (name: string, text: string) => {
      const path = join(cluster.dir, `${ns}-${name}`);
      writeFileSync(path, text);
      return path;
    };
    const pod = (image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  namespace: ${ns}
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: ${image}
    ports:
    - containerPort: 80
`;

    it('reports the server version', async () => {
      assert.match(await run('version'), /Server Version: v1\.32\.0-wheelhouse/);
    });

    it('creates a namespace and a ConfigMap from files (create -f)', async () => {
      assert.match(
        await run(
          'create',
          '-f',
          file('ns.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`),
        ),
        new RegExp(`namespace/${ns} created`),
      );
      const cm = file(
        'cm.yaml',
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  greeting: hello\n`,
      );
      assert.match(await run('create', '-n', ns, '-f', cm), /configmap\/cfg created/);
      assert.equal(
        await run('get', '-n', ns, 'configmap', 'cfg', '-o', 'jsonpath={.data.greeting}'),
        'hello',
      );
      const again = await kubectl(bin, cluster.kubeconfig, ['create', '-n', ns, '-f', cm]);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /AlreadyExists|already exists/);
    });

    it('applies a pod and a deployment, then a changed pod', async () => {
      const podFile = file('pod.yaml', pod('nginx:1.14.2'));
      assert.match(await run('apply', '-f', podFile), /pod\/nginx created/);
      const deploy = file(
        'deploy.yaml',
        `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: web2}}
  template:
    metadata: {labels: {app: web2}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
`,
      );
      assert.match(await run('apply', '-f', deploy), /deployment\.apps\/web created/);
      // Re-applied with a new image: a strategic merge patch.
      writeFileSync(podFile, pod('nginx:1.16.1'));
      assert.match(await run('apply', '-f', podFile), /pod\/nginx configured/);
      assert.equal(
        await run('get', '-n', ns, 'pod', 'nginx', '-o', 'jsonpath={.spec.containers[0].image}'),
        'nginx:1.16.1',
      );
      assert.match(
        await run('get', '-n', ns, 'pod', 'nginx', '-o', 'jsonpath={.metadata.annotations}'),
        /kubectl\.kubernetes\.io\/last-applied-configuration/,
      );
    });

    it('gets pods with the server-side table columns', async () => {
      const out = await run('get', 'pods', '-n', ns);
      assert.match(out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
      assert.match(out, /\nnginx\s+0\/1\s+Pending\s+0\s+\d+s\n/);
    });

    it('gets pods -o wide -A with the namespace and the priority-1 columns', async () => {
      const out = await run('get', 'pods', '-o', 'wide', '-A');
      assert.match(
        out,
        /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/,
      );
      assert.match(
        out,
        new RegExp(
          `\\n${ns}\\s+nginx\\s+0/1\\s+Pending\\s+0\\s+\\d+s\\s+<none>\\s+<none>\\s+<none>\\s+<none>\\n`,
        ),
      );
    });

    it('selects pods by field (--field-selector=status.phase=...)', async () => {
      assert.match(await run('get', 'pods', '-n', ns, '--field-selector=status.phase=Pending'), /\nnginx\s/);
      const running = await kubectl(bin, cluster.kubeconfig, [
        'get',
        'pods',
        '-n',
        ns,
        '--field-selector=status.phase=Running',
      ]);
      assert.equal(running.code, 0);
      assert.match(running.stderr, /No resources found/);
      assert.doesNotMatch(running.stdout, /nginx/);
    });

    it('watches pods (get -w) and sees a change', async () => {
      const watch = startKubectl(bin, cluster.kubeconfig, ['get', 'pods', '-n', ns, '-w']);
      try {
        await watch.waitFor(/NAME\s+READY\s+STATUS[^\n]*\nnginx\s+0\/1\s+Pending[^\n]*\n/);
        await run('label', 'pod', 'nginx', '-n', ns, 'watched=yes');
        await watch.waitFor(/nginx\s+0\/1\s+Pending[^\n]*\n(?:[^\n]*\n)*nginx\s+0\/1\s+Pending[^\n]*\n/);
      } finally {
        await watch.stop();
      }
      assert.match(await run('get', 'pod', 'nginx', '-n', ns, '--show-labels'), /watched=yes/);
    });

    it('describes a pod', async () => {
      const out = await run('describe', 'pod', 'nginx', '-n', ns);
      assert.match(out, /^Name:\s+nginx$/m);
      assert.match(out, new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
      assert.match(out, /^Status:\s+Pending$/m);
      assert.match(out, /^\s+Image:\s+nginx:1\.16\.1$/m);
      assert.match(out, /^\s+Port:\s+80\/TCP$/m);
      assert.match(out, /^Labels:\s+app=web$/m);
      assert.match(out, /^Events:\s+<none>$/m);
    });

    it('lists the API resources', async () => {
      const out = await run('api-resources');
      assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
      assert.match(out, /^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole$/m);
      const all = await run('get', 'all', '-n', ns);
      assert.match(all, /pod\/nginx/);
      assert.match(all, /deployment\.apps\/web/);
    });

    it('serves the API through kubectl proxy to curl-like clients', async () => {
      const proxy = startKubectl(bin, cluster.kubeconfig, ['proxy', '--port=0']);
      try {
        const m = await proxy.waitFor(/Starting to serve on 127\.0\.0\.1:(\d+)/);
        const res = await fetch(`http://127.0.0.1:${m[1]}/api/v1/namespaces/${ns}/pods`);
        assert.equal(res.status, 200);
        const list = (await res.json()) as { kind: string; items: { metadata: { name: string } }[] };
        assert.equal(list.kind, 'PodList');
        assert.deepEqual(
          list.items.map((p) => p.metadata.name),
          ['nginx'],
        );
        const missing = await fetch(`http://127.0.0.1:${m[1]}/api/v1/namespaces/${ns}/pods/absent`);
        assert.equal(missing.status, 404);
        assert.equal(((await missing.json()) as { reason: string }).reason, 'NotFound');
      } finally {
        await proxy.stop();
      }
    });

    it('deletes a pod and waits until it is gone', async () => {
      assert.match(
        await run('delete', 'pod', 'nginx', '-n', ns, '--grace-period=0', '--force'),
        /pod "nginx" force deleted/,
      );
      const gone = await kubectl(bin, cluster.kubeconfig, ['get', 'pod', 'nginx', '-n', ns]);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /Error from server \(NotFound\): pods "nginx" not found/);
      assert.match(await run('delete', 'configmap', 'cfg', '-n', ns), /configmap "cfg" deleted/);
    });
  });
}
