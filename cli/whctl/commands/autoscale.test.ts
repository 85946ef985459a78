/**
 * `whctl autoscale` and `whctl describe hpa` against the real store and apiserver
 * processes (test/cluster.ts): the autoscaler stored for a Deployment and the server's
 * defaults, the refusals, and the describer before and after the controller's status —
 * and, where kubectl is installed, kubectl autoscale's object (autoscaling/v1, in its v2
 * form) and kubectl describe's text line for line.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';
import { runWhctl } from '../main.js';
import { type TestIo, testIo } from '../test-io.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

const objects = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: nginx:1.27, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: main, image: postgres:17}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: custom, labels: {team: shop}, annotations: {owner: checkout}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 200Mi}}
  - type: Pods
    pods:
      metric: {name: packets-per-second}
      target: {type: AverageValue, averageValue: 1k}
  - type: Object
    object:
      metric: {name: requests-per-second}
      describedObject: {apiVersion: v1, kind: Service, name: front}
      target: {type: Value, value: 10k}
  - type: External
    external:
      metric: {name: queue_ready}
      target: {type: AverageValue, averageValue: "30"}
  - type: ContainerResource
    containerResource: {name: cpu, container: main, target: {type: Utilization, averageUtilization: 60}}
  behavior:
    scaleUp:
      policies:
      - {type: Pods, value: 4, periodSeconds: 15}
      - {type: Percent, value: 100, periodSeconds: 15}
    scaleDown:
      stabilizationWindowSeconds: 120
      selectPolicy: Min
      policies:
      - {type: Percent, value: 10, periodSeconds: 60}
`;

/** What the HPA controller would write: one reading and the three conditions. */
const status = (now: string) => ({
  status: {
    currentReplicas: 1,
    desiredReplicas: 1,
    currentMetrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '6m' } },
      },
    ],
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        lastTransitionTime: now,
        reason: 'ReadyForNewScale',
        message: 'recommended size matches current size',
      },
      {
        type: 'ScalingActive',
        status: 'True',
        lastTransitionTime: now,
        reason: 'ValidMetricFound',
        message:
          'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      },
      {
        type: 'ScalingLimited',
        status: 'False',
        lastTransitionTime: now,
        reason: 'DesiredWithinRange',
        message: 'the desired count is within the acceptable range',
      },
    ],
  },
});

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
const stored = async (name: string): Promise<Obj> => {
  const got = await run(['get', 'hpa', name, '-o', 'json']);
  assert.equal(got.code, 0, got.err());
  return JSON.parse(got.out()) as Obj;
};
const cpuAt = (averageUtilization: number) => [
  { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } },
];

before(async () => {
  writeFileSync(join(cluster.dir, 'objects.yaml'), objects);
  const applied = await run(['apply', '-f', 'objects.yaml']);
  assert.equal(applied.code, 0, applied.err());
});

describe('whctl autoscale', () => {
  it('creates the autoscaler for a deployment, as asked', async () => {
    const res = await run(['autoscale', 'deployment', 'web', '--min=1', '--max=5', '--cpu-percent=50']);
    assert.equal(res.err(), '');
    assert.equal(res.out(), 'horizontalpodautoscaler.autoscaling/web autoscaled\n');
    const hpa = await stored('web');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: cpuAt(50),
    });
  });

  it('leaves the minimum and the metric to the server, which defaults them', async () => {
    const res = await run(['autoscale', 'sts/db', '--max=3', '--name=db-hpa']);
    assert.equal(res.out(), 'horizontalpodautoscaler.autoscaling/db-hpa autoscaled\n', res.err());
    const spec = (await stored('db-hpa')).spec as Obj;
    assert.deepEqual(spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' });
    assert.equal(spec.minReplicas, 1);
    assert.deepEqual(spec.metrics, cpuAt(80));
  });

  it('refuses a missing target, a kind without scale and an existing autoscaler; a dry run stores nothing', async () => {
    const missing = await run(['autoscale', 'deploy', 'missing', '--max=2']);
    assert.equal(missing.code, 1);
    assert.match(missing.err(), /^Error from server \(NotFound\): .*"missing" not found\n$/);
    const configMap = await run(['autoscale', 'configmap', 'settings', '--max=2']);
    assert.equal(
      configMap.err(),
      'error: cannot autoscale a ConfigMap: could not find scale subresource for /v1, Resource=configmaps in discovery information\n',
    );
    const again = await run(['autoscale', 'deployment', 'web', '--max=2']);
    assert.equal(again.code, 1);
    assert.match(again.err(), /^Error from server \(AlreadyExists\)/);
    const dry = await run(['autoscale', 'deployment', 'web', '--max=2', '--name=dry', '--dry-run=server']);
    assert.equal(
      dry.out(),
      'horizontalpodautoscaler.autoscaling/dry autoscaled (server dry run)\n',
      dry.err(),
    );
    assert.equal((await run(['get', 'hpa', 'dry', '--ignore-not-found'])).out(), '');
  });
});

describe('whctl describe hpa', () => {
  it('before any status: the target, <unknown> readings, the bounds and no replicas', async () => {
    const res = await run(['describe', 'hpa', 'web']);
    assert.equal(res.code, 0, res.err());
    const out = res.out();
    assert.match(
      out,
      /^Name: +web\nNamespace: +default\nLabels: +<none>\nAnnotations: +<none>\nCreationTimestamp: +\w{3}, /,
    );
    assert.match(
      out,
      /^Reference: +Deployment\/web\nMetrics: +\( current \/ target \)\n {2}resource cpu on pods {2}\(as a percentage of request\): +<unknown> \/ 50%\nMin replicas: +1\nMax replicas: +5\nDeployment pods: +0 current \/ 0 desired\n/m,
    );
    assert.doesNotMatch(out, /^Conditions:/m);
  });

  it("after the controller's status: the reading and the conditions", async () => {
    const patched = await run([
      'patch',
      'hpa',
      'web',
      '--subresource',
      'status',
      '--type',
      'merge',
      '-p',
      JSON.stringify(status(new Date().toISOString())),
    ]);
    assert.equal(patched.code, 0, patched.err());
    const out = (await run(['describe', 'horizontalpodautoscaler', 'web'])).out();
    assert.match(out, /^ {2}resource cpu on pods {2}\(as a percentage of request\): +12% \(6m\) \/ 50%$/m);
    assert.match(
      out,
      /^Deployment pods: +1 current \/ 1 desired\nConditions:\n {2}Type +Status +Reason +Message\n/m,
    );
    assert.match(
      out,
      /^ {2}ScalingLimited +False +DesiredWithinRange +the desired count is within the acceptable range$/m,
    );
  });

  it('every metric type and the behaviour', async () => {
    const out = (await run(['describe', 'hpa/custom'])).out();
    assert.match(out, /^ {2}"packets-per-second" on pods: +<unknown> \/ 1k$/m);
    assert.match(out, /^ {2}"requests-per-second" on Service\/front \(target value\): +<unknown> \/ 10k$/m);
    assert.match(out, /^ {2}"queue_ready" \(target average value\): +<unknown> \/ 30$/m);
    assert.match(
      out,
      /^ {2}resource cpu of container "main" on pods {2}\(as a percentage of request\): +<unknown> \/ 60%$/m,
    );
    assert.match(out, /^Behavior:\n {2}Scale Up:\n/m);
    assert.match(
      out,
      /^ {2}Scale Down:\n {4}Stabilization Window: 120 seconds\n {4}Select Policy: Min\n {4}Policies:\n {6}- Type: Percent {2}Value: 10 {2}Period: 60 seconds\n/m,
    );
  });

  describe('the same as kubectl', { skip: skipUnlessInstalled(existsSync(KUBECTL) ? [] : [KUBECTL]) }, () => {
    const kubectl = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(KUBECTL, ['--kubeconfig', cluster.kubeconfig, ...args], {
        env: { ...process.env, KUBECACHEDIR: join(cluster.dir, 'kubectl-cache') },
        timeout: 30_000,
      });
      return stdout;
    };

    /**
     * kubectl 1.32 builds an autoscaling/v1 object; its v2 form, as Kubernetes converts
     * it: the CPU percentage becomes a Resource metric.
     */
    const asV2 = (v1: Obj) => {
      const { targetCPUUtilizationPercentage: cpu, ...spec } = v1.spec as Obj;
      return {
        name: (v1.metadata as Obj).name,
        spec: { ...spec, ...(typeof cpu === 'number' ? { metrics: cpuAt(cpu) } : {}) },
      };
    };
    for (const args of [
      ['deployment', 'web', '--min=1', '--max=5', '--cpu-percent=50'],
      ['sts/db', '--max=3', '--name=db-hpa'],
      ['deploy', 'web', '--min=0', '--max=2', '--cpu-percent=0'],
    ]) {
      it(`autoscale ${args.join(' ')}`, async () => {
        const ours = await run(['autoscale', ...args, '--dry-run=client', '-o', 'json']);
        assert.equal(ours.code, 0, ours.err());
        const hpa = JSON.parse(ours.out()) as Obj;
        const theirs = JSON.parse(
          await kubectl('autoscale', ...args, '--dry-run=client', '-o', 'json'),
        ) as Obj;
        assert.deepEqual({ name: (hpa.metadata as Obj).name, spec: hpa.spec }, asV2(theirs));
      });
    }

    for (const name of ['web', 'db-hpa', 'custom']) {
      it(`describe hpa ${name}`, async () => {
        // Without events, whose ages are read at different moments.
        const ours = await run(['describe', 'hpa', name, '--show-events=false']);
        assert.equal(ours.code, 0, ours.err());
        // kubectl leaves a value it does not have empty where whctl says <none>.
        const theirs = await kubectl('describe', 'hpa', name, '--show-events=false');
        assert.equal(ours.out(), theirs.replace(/^(\S[^:\n]*: +)$/gm, '$1<none>'));
      });
    }

    it('describe hpa web, with its events (none): Events share the column of the conditions', async () => {
      const ours = await run(['describe', 'hpa', 'web']);
      assert.match(ours.out(), /\n {2}ScalingLimited {2}False {3}\S.*\nEvents: {11}<none>\n$/);
      assert.equal(ours.out(), await kubectl('describe', 'hpa', 'web'));
    });
  });
});
