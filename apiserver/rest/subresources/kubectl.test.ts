/**
 * Real kubectl (two minor versions) against a real apiserver's REST API and a real kubelet
 * on the process runtime: the commands that use the subresources and the resources that
 * are not stored — logs, exec, top, auth can-i (its protobuf review) and whoami, create
 * token, scale.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createClientset } from '../../../sdk/client/typed-client.js';
import { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { type ProcessKubelet, startProcessKubelet } from '../../../test/process-kubelet.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';

const run = promisify(execFile);
const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const versions = ['1.32', '1.30'].map((v) => ({ version: v, path: join(KUBECTL_DIR, `kubectl.${v}`) }));
const missing = versions.filter((v) => !existsSync(v.path)).map((v) => v.path);

async function until<T>(check: () => Promise<T | undefined | false>, what: string, ms = 30_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > ms)
      assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('kubectl subresources and reviews', {
  skip: skipUnlessInstalled(missing),
}, () => {
  let cluster: Cluster;
  let kubelet: ProcessKubelet | undefined;
  let viewerKubeconfig = '';
  let clients: ReturnType<typeof createClientset>;
  const tokens = join(process.env.TMPDIR ?? '/tmp', `wheelhouse-rest-sub-tokens-${process.pid}.csv`);

  const kubectlAs = async (kubeconfig: string, version: string, path: string, args: string[]) => {
    try {
      const { stdout, stderr } = await run(path, ['--kubeconfig', kubeconfig, ...args], {
        env: { ...process.env, KUBECACHEDIR: join(cluster.dir, `kubectl-cache-${version}`) },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      };
    }
  };

  before(async () => {
    writeFileSync(tokens, 'viewer-token,viewer,u-viewer\n', { mode: 0o600 });
    cluster = await startCluster({ rest: true, apiserverArgs: ['--token-auth-file', tokens] });
    viewerKubeconfig = join(cluster.dir, 'viewer.kubeconfig');
    writeFileSync(
      viewerKubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: cluster.rest, 'certificate-authority': cluster.pki.caFile } },
        ],
        users: [{ name: 'viewer', user: { token: 'viewer-token' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'viewer', namespace: 'default' } }],
        'current-context': 'c',
      }),
    );
    kubelet = await startProcessKubelet(cluster, { args: ['--housekeeping-interval', '1s'] });
    clients = createClientset(cluster.admin, { component: 'rest-subresources-test' });
    const pods = clients.kind<Pod>('Pod');
    const pod = (name: string, command: string[], owner?: { kind: string; name: string }) =>
      Pod.fromPartial({
        metadata: {
          name,
          namespace: 'default',
          labels: { app: name },
          ...(owner
            ? {
                ownerReferences: [
                  { apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'u-1', controller: true },
                ],
              }
            : {}),
        },
        spec: {
          nodeName: 'node-1',
          terminationGracePeriodSeconds: '0',
          containers: [{ name: 'main', image: 'sh', imagePullPolicy: 'IfNotPresent', command }],
        },
      });
    await pods.create(pod('talker', ['sh', '-c', 'echo one; echo two; echo three; sleep 600']));
    await pods.create(pod('busy', ['sh', '-c', 'while :; do :; done']));
    await clients.kind<Deployment>('Deployment').create(
      Deployment.fromPartial({
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'main', image: 'sh', command: ['sleep', '600'] }] },
          },
        },
      }),
    );
    await until(async () => {
      const list = await pods.list('default');
      return list.items.filter((p) => p.status?.phase === 'Running').length >= 2;
    }, 'the pods to run');
  });

  after(async () => {
    try {
      // Ends the pods' processes (a busy loop among them) with the kubelet.
      await kubelet?.stop();
    } finally {
      await cluster?.stop();
      rmSync(tokens, { force: true });
    }
  });

  for (const { version, path } of versions) {
    const kubectl = (...args: string[]) => kubectlAs(cluster.kubeconfig, version, path, args);

    it(`kubectl ${version} logs, with --tail and -c`, async () => {
      const all = await until(async () => {
        const r = await kubectl('logs', 'talker');
        return r.stdout.includes('three') && r;
      }, 'the log of talker');
      assert.equal(all.stdout, 'one\ntwo\nthree\n');
      const tail = await kubectl('logs', 'talker', '--tail=1', '-c', 'main');
      assert.equal(tail.stdout, 'three\n');
      const wrong = await kubectl('logs', 'talker', '-c', 'nope');
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /container "?nope"? is not (valid for|in) pod/);
    });

    it(`kubectl ${version} exec over WebSocket, its output and exit code`, async () => {
      const hi = await kubectl('exec', 'talker', '--', 'echo', 'hi');
      assert.equal(hi.code, 0, hi.stderr);
      assert.equal(hi.stdout, 'hi\n');
      const failed = await kubectl('exec', 'talker', '-c', 'main', '--', 'sh', '-c', 'echo oops >&2; exit 3');
      assert.equal(failed.code, 3, failed.stderr);
      assert.match(failed.stderr, /oops/);
    });

    it(`kubectl ${version} auth can-i: yes for the admin, no for a user without bindings`, async () => {
      const yes = await kubectl('auth', 'can-i', 'create', 'pods');
      assert.equal(yes.stdout.trim(), 'yes');
      assert.equal(yes.code, 0);
      const no = await kubectlAs(viewerKubeconfig, version, path, ['auth', 'can-i', 'create', 'pods']);
      assert.equal(no.stdout.trim(), 'no');
      assert.equal(no.code, 1);
      const list = await kubectlAs(viewerKubeconfig, version, path, ['auth', 'can-i', '--list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(
        list.stdout,
        /selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/,
      );
    });

    it(`kubectl ${version} --as: the admin acts as another user; a user without impersonate may not`, async () => {
      const asNobody = await kubectl('auth', 'can-i', 'create', 'pods', '--as', 'nobody');
      assert.equal(asNobody.stdout.trim(), 'no', asNobody.stderr);
      assert.equal(asNobody.code, 1);
      const who = await kubectl('auth', 'whoami', '--as', 'alice', '--as-group', 'dev');
      assert.equal(who.code, 0, who.stderr);
      assert.match(who.stdout, /Username\s+alice/);
      assert.match(who.stdout, /Groups\s+\[dev system:authenticated\]/);
      const denied = await kubectlAs(viewerKubeconfig, version, path, ['get', 'pods', '--as', 'admin']);
      assert.notEqual(denied.code, 0);
      assert.match(
        denied.stderr,
        /users "admin" is forbidden: User "viewer" cannot impersonate resource "users"/,
      );
    });

    it(`kubectl ${version} auth whoami`, async () => {
      const who = await kubectlAs(viewerKubeconfig, version, path, ['auth', 'whoami']);
      assert.equal(who.code, 0, who.stderr);
      assert.match(who.stdout, /Username\s+viewer/);
      assert.match(who.stdout, /Groups\s+\[system:authenticated\]/);
    });

    it(`kubectl ${version} create token default`, async () => {
      const r = await kubectl('create', 'token', 'default', '--duration=15m');
      assert.equal(r.code, 0, r.stderr);
      const [header, payload] = r.stdout.trim().split('.');
      assert.ok(header && payload);
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string; exp: number };
      assert.equal(claims.sub, 'system:serviceaccount:default:default');
      assert.ok(Math.abs(claims.exp - Date.now() / 1000 - 900) < 60);
    });

    it(`kubectl ${version} scale deploy`, async () => {
      const replicas = version === '1.32' ? 3 : 2;
      const r = await kubectl('scale', 'deploy', 'web', `--replicas=${replicas}`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /deployment.apps\/web scaled/);
      const got = await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}');
      assert.equal(got.stdout, String(replicas));
      const bad = await kubectl('scale', 'deploy', 'web', '--replicas=-1');
      assert.notEqual(bad.code, 0);
    });

    it(`kubectl ${version} replace --raw .../finalize frees a namespace stuck in Terminating`, async () => {
      // No controller manager runs here: a deleted namespace stays Terminating.
      const name = `stuck-${version.replace('.', '-')}`;
      assert.equal((await kubectl('create', 'namespace', name)).code, 0);
      const deleted = await kubectl('delete', 'namespace', name, '--wait=false');
      assert.equal(deleted.code, 0, deleted.stderr);
      const got = await kubectl('get', 'namespace', name, '-o', 'json');
      const ns = JSON.parse(got.stdout) as { spec: { finalizers: string[] }; status: { phase: string } };
      assert.equal(ns.status.phase, 'Terminating');
      assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
      ns.spec.finalizers = [];
      const file = join(cluster.dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(ns));
      const r = await kubectl('replace', '--raw', `/api/v1/namespaces/${name}/finalize`, '-f', file);
      assert.equal(r.code, 0, r.stderr);
      const gone = await kubectl('get', 'namespace', name);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /not found/);
    });

    it(`kubectl ${version} debug: told that ephemeral containers are not served, not a crash`, async () => {
      // The 404 of a missing subresource carries an empty `details`, as Kubernetes' does;
      // kubectl reads it to tell a missing subresource from a missing pod.
      const r = await kubectl('debug', 'talker', '--image=busybox', '--profile=general', '--', 'true');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /ephemeral containers are disabled for this cluster/);
      assert.doesNotMatch(r.stderr, /panic/);
    });

    it(`kubectl ${version} top pods and nodes`, async () => {
      const pods = await until(
        async () => {
          const r = await kubectl('top', 'pods');
          return r.code === 0 && /busy/.test(r.stdout) && r;
        },
        'kubectl top pods to list busy',
        45_000,
      );
      const busy = /^busy\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(pods.stdout);
      assert.ok(busy, pods.stdout);
      // A busy loop, even on a loaded machine, uses a visible share of a core.
      assert.ok(Number(busy[1]) > 10, `busy uses ${busy[1]}m`);
      const nodes = await kubectl('top', 'nodes');
      assert.equal(nodes.code, 0, nodes.stderr);
      assert.match(nodes.stdout, /^node-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$/m);
    });
  }

  // Last: it empties the node the tests above use.
  it('kubectl 1.32 drain cordons the node and evicts its pods', async () => {
    const path = versions[0]!.path;
    const r = await kubectlAs(cluster.kubeconfig, '1.32', path, [
      'drain',
      'node-1',
      '--ignore-daemonsets',
      '--force',
      '--timeout=90s',
    ]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /node\/node-1 cordoned/);
    assert.match(r.stdout, /evicting pod default\/talker/);
    assert.match(r.stdout, /node\/node-1 drained/);
    const node = await kubectlAs(cluster.kubeconfig, '1.32', path, ['get', 'node', 'node-1']);
    assert.match(node.stdout, /SchedulingDisabled/);
  });
});
