/**
 * kubectl's generators (`kubectl create configmap|secret|deployment|...`) against the
 * apiserver's REST API. They build the object themselves and POST it as Kubernetes
 * protobuf (`application/vnd.kubernetes.protobuf`); each must be created with every field
 * the command set, as `kubectl get -o json` then shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Cluster, startCluster } from '../cluster.js';
import { skipUnlessInstalled } from '../requirements.js';
import { kubectl } from './kubectl.js';

const versions = ['1.32', '1.30'];
const binaries = versions.map((v) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`);

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type Json = { [key: string]: JsonValue };

describe('kubectl create generators (protobuf bodies)', { skip: skipUnlessInstalled(binaries) }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ rest: true });
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const [i, version] of versions.entries()) {
    const bin = binaries[i] ?? '';
    const ns = `gen-${version.replace('.', '-')}`;
    const suffix = version.replace('.', '-');
    const run = async (...args: string[]) => {
      const r = await kubectl(bin, cluster.kubeconfig, args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
      assert.doesNotMatch(r.stderr, /Warning/, `kubectl ${args.join(' ')} warned:\n${r.stderr}`);
      return r.stdout;
    };
    const get = async (...args: string[]): Promise<Json> =>
      JSON.parse(await run('get', ...args, '-o', 'json')) as Json;

    describe(`kubectl ${version}`, () => {
      it('create namespace', async () => {
        assert.match(await run('create', 'namespace', ns), new RegExp(`namespace/${ns} created`));
        const got = await get('namespace', ns);
        assert.equal((got.metadata as Json).name, ns);
        assert.equal((got.status as Json).phase, 'Active');
      });

      it('create configmap --from-literal', async () => {
        assert.match(
          await run(
            'create',
            'configmap',
            'cfg',
            '-n',
            ns,
            '--from-literal=greeting=hello',
            '--from-literal=empty=',
          ),
          /configmap\/cfg created/,
        );
        const got = await get('configmap', 'cfg', '-n', ns);
        assert.deepEqual(got.data, { greeting: 'hello', empty: '' });
        // Whole seconds, as Kubernetes writes metav1.Time.
        assert.match(String((got.metadata as Json).creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      });

      it('create secret generic', async () => {
        assert.match(
          await run('create', 'secret', 'generic', 'sec', '-n', ns, '--from-literal=password=s3cret'),
          /secret\/sec created/,
        );
        const got = await get('secret', 'sec', '-n', ns);
        assert.deepEqual(got.data, { password: Buffer.from('s3cret').toString('base64') });
        assert.equal(got.type, 'Opaque');
      });

      it('create serviceaccount', async () => {
        assert.match(
          await run('create', 'serviceaccount', 'robot', '-n', ns),
          /serviceaccount\/robot created/,
        );
        assert.equal(((await get('serviceaccount', 'robot', '-n', ns)).metadata as Json).name, 'robot');
      });

      it('create deployment --replicas --port', async () => {
        assert.match(
          await run(
            'create',
            'deployment',
            'web',
            '-n',
            ns,
            '--image=nginx:1.25',
            '--replicas=3',
            '--port=80',
          ),
          /deployment\.apps\/web created/,
        );
        const got = await get('deployment', 'web', '-n', ns);
        const spec = got.spec as Json;
        assert.equal(spec.replicas, 3);
        assert.deepEqual(spec.selector, { matchLabels: { app: 'web' } });
        const template = spec.template as Json;
        assert.deepEqual((template.metadata as Json).labels, { app: 'web' });
        const container = ((template.spec as Json).containers as Json[])[0] as Json;
        assert.equal(container.name, 'nginx');
        assert.equal(container.image, 'nginx:1.25');
        assert.equal(((container.ports as Json[])[0] as Json).containerPort, 80);
      });

      it('create deployment --replicas=0 keeps the zero', async () => {
        await run('create', 'deployment', 'idle', '-n', ns, '--image=nginx:1.25', '--replicas=0');
        assert.equal(((await get('deployment', 'idle', '-n', ns)).spec as Json).replicas, 0);
      });

      it('create job -- command', async () => {
        assert.match(
          await run('create', 'job', 'once', '-n', ns, '--image=busybox:1.36', '--', 'echo', 'hi'),
          /job\.batch\/once created/,
        );
        const podSpec = (((await get('job', 'once', '-n', ns)).spec as Json).template as Json).spec as Json;
        assert.equal(podSpec.restartPolicy, 'Never');
        const container = (podSpec.containers as Json[])[0] as Json;
        assert.equal(container.image, 'busybox:1.36');
        assert.deepEqual(container.command, ['echo', 'hi']);
      });

      it('create cronjob --schedule', async () => {
        assert.match(
          await run(
            'create',
            'cronjob',
            'nightly',
            '-n',
            ns,
            '--image=busybox:1.36',
            '--schedule=*/5 * * * *',
            '--',
            'date',
          ),
          /cronjob\.batch\/nightly created/,
        );
        const spec = (await get('cronjob', 'nightly', '-n', ns)).spec as Json;
        assert.equal(spec.schedule, '*/5 * * * *');
        const podSpec = (((spec.jobTemplate as Json).spec as Json).template as Json).spec as Json;
        assert.equal(podSpec.restartPolicy, 'OnFailure');
        assert.deepEqual(((podSpec.containers as Json[])[0] as Json).command, ['date']);
      });

      it('create role and rolebinding', async () => {
        assert.match(
          await run('create', 'role', 'reader', '-n', ns, '--verb=get,list', '--resource=pods,configmaps'),
          /role\.rbac\.authorization\.k8s\.io\/reader created/,
        );
        const role = await get('role', 'reader', '-n', ns);
        assert.deepEqual(role.rules, [
          { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'configmaps'] },
        ]);
        assert.match(
          await run(
            'create',
            'rolebinding',
            'reader',
            '-n',
            ns,
            '--role=reader',
            '--user=alice',
            `--serviceaccount=${ns}:robot`,
          ),
          /rolebinding\.rbac\.authorization\.k8s\.io\/reader created/,
        );
        const binding = await get('rolebinding', 'reader', '-n', ns);
        assert.deepEqual(binding.roleRef, {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'reader',
        });
        assert.deepEqual(binding.subjects, [
          { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
          { kind: 'ServiceAccount', name: 'robot', namespace: ns },
        ]);
      });

      it('create clusterrole (rules and aggregation) and clusterrolebinding', async () => {
        await run(
          'create',
          'clusterrole',
          `viewer-${suffix}`,
          '--verb=get,watch',
          '--resource=nodes',
          '--resource-name=n1',
        );
        const role = await get('clusterrole', `viewer-${suffix}`);
        assert.deepEqual(role.rules, [
          { verbs: ['get', 'watch'], apiGroups: [''], resources: ['nodes'], resourceNames: ['n1'] },
        ]);
        await run('create', 'clusterrole', `agg-${suffix}`, '--aggregation-rule=team=viewers');
        assert.deepEqual((await get('clusterrole', `agg-${suffix}`)).aggregationRule, {
          clusterRoleSelectors: [{ matchLabels: { team: 'viewers' } }],
        });
        await run(
          'create',
          'clusterrolebinding',
          `viewers-${suffix}`,
          `--clusterrole=viewer-${suffix}`,
          '--group=viewers',
        );
        const binding = await get('clusterrolebinding', `viewers-${suffix}`);
        assert.deepEqual(binding.subjects, [
          { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'viewers' },
        ]);
        assert.equal((binding.roleRef as Json).kind, 'ClusterRole');
      });

      it('create quota --hard', async () => {
        assert.match(
          await run('create', 'quota', 'q', '-n', ns, '--hard=pods=10,requests.cpu=2,limits.memory=1Gi'),
          /resourcequota\/q created/,
        );
        assert.deepEqual(((await get('quota', 'q', '-n', ns)).spec as Json).hard, {
          pods: '10',
          'requests.cpu': '2',
          'limits.memory': '1Gi',
        });
      });

      it('create priorityclass --value --description --preemption-policy', async () => {
        await run(
          'create',
          'priorityclass',
          `high-${suffix}`,
          '--value=1000',
          '--description=important work',
          '--preemption-policy=Never',
        );
        const got = await get('priorityclass', `high-${suffix}`);
        assert.equal(got.value, 1000);
        assert.equal(got.description, 'important work');
        assert.equal(got.preemptionPolicy, 'Never');
      });

      it('create poddisruptionbudget --min-available / --max-unavailable', async () => {
        await run(
          'create',
          'poddisruptionbudget',
          'pdb',
          '-n',
          ns,
          '--selector=app=web',
          '--min-available=2',
        );
        const spec = (await get('pdb', 'pdb', '-n', ns)).spec as Json;
        assert.equal(spec.minAvailable, 2);
        assert.deepEqual(spec.selector, { matchLabels: { app: 'web' } });
        await run('create', 'pdb', 'pdb-pct', '-n', ns, '--selector=app=web', '--max-unavailable=30%');
        assert.equal(((await get('pdb', 'pdb-pct', '-n', ns)).spec as Json).maxUnavailable, '30%');
      });
    });
  }
});
