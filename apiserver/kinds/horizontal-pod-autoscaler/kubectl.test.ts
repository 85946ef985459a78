/**
 * Real kubectl against a real apiserver: autoscaling/v2 HorizontalPodAutoscalers applied,
 * listed with Kubernetes' columns and defaults, made by `kubectl autoscale`, and refused
 * with their field paths.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';

const run = promisify(execFile);
const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
/** kubectl 1.33's autoscale writes autoscaling/v2 (1.32's writes v1: apiserver/rest/versions/kubectl.test.ts). */
const KUBECTL_AUTOSCALE = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

const manifest = `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 50}
  - type: Resource
    resource:
      name: memory
      target: {type: AverageValue, averageValue: 200Mi}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 60}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: defaults
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
  maxReplicas: 3
`;

const invalid = `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: broken
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 0
`;

describe('kubectl and HorizontalPodAutoscalers', {
  skip: skipUnlessInstalled(existsSync(KUBECTL) ? [] : [KUBECTL]),
}, () => {
  let cluster: Cluster;
  let file = '';
  let invalidFile = '';
  before(async () => {
    cluster = await startCluster({ rest: true });
    file = join(cluster.dir, 'hpa.yaml');
    invalidFile = join(cluster.dir, 'broken.yaml');
    writeFileSync(file, manifest);
    writeFileSync(invalidFile, invalid);
  });
  after(() => cluster?.stop());

  const kubectlOf =
    (binary: string) =>
    async (...args: string[]) => {
      const { stdout } = await run(binary, ['--kubeconfig', cluster.kubeconfig, ...args], {
        env: { ...process.env, KUBECACHEDIR: join(cluster.dir, `kubectl-cache-${binary.slice(-4)}`) },
        timeout: 30_000,
      });
      return stdout;
    };
  const kubectl = kubectlOf(KUBECTL);
  const failure = async (...args: string[]) => {
    try {
      await kubectl(...args);
    } catch (err) {
      return String((err as { stderr?: string }).stderr);
    }
    assert.fail(`kubectl ${args.join(' ')} succeeded`);
  };

  it('apply creates autoscaling/v2 autoscalers; applied again, nothing changes', async () => {
    assert.match(
      await kubectl('apply', '-f', file),
      /horizontalpodautoscaler.autoscaling\/web created\nhorizontalpodautoscaler.autoscaling\/defaults created/,
    );
    assert.match(
      await kubectl('apply', '-f', file),
      /horizontalpodautoscaler.autoscaling\/web unchanged\nhorizontalpodautoscaler.autoscaling\/defaults unchanged/,
    );
  });

  it('get hpa: REFERENCE TARGETS MINPODS MAXPODS REPLICAS, with the defaults filled in', async () => {
    const out = await kubectl('get', 'hpa');
    assert.match(out, /^NAME +REFERENCE +TARGETS +MINPODS +MAXPODS +REPLICAS +AGE$/m);
    assert.match(out, /^web +Deployment\/web +cpu: <unknown>\/50%, memory: <unknown>\/200Mi +2 +5 +0 +\S+$/m);
    assert.match(out, /^defaults +StatefulSet\/db +cpu: <unknown>\/80% +1 +3 +0 +\S+$/m);
    const behavior = JSON.parse(await kubectl('get', 'hpa', 'web', '-o', 'jsonpath={.spec.behavior}'));
    assert.deepEqual(behavior.scaleDown, {
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
    assert.equal(behavior.scaleUp.stabilizationWindowSeconds, 0);
  });

  it('get all lists the autoscalers (they are in the all category)', async () => {
    const out = await kubectl('get', 'all');
    assert.match(out, /^horizontalpodautoscaler\.autoscaling\/web +Deployment\/web /m);
  });

  it('autoscale makes an autoscaler for a deployment', {
    skip: skipUnlessInstalled(existsSync(KUBECTL_AUTOSCALE) ? [] : [KUBECTL_AUTOSCALE]),
  }, async () => {
    await kubectl('create', 'deployment', 'api', '--image=nginx');
    assert.match(
      await kubectlOf(KUBECTL_AUTOSCALE)(
        'autoscale',
        'deployment',
        'api',
        '--min=1',
        '--max=4',
        '--cpu-percent=60',
      ),
      /horizontalpodautoscaler.autoscaling\/api autoscaled/,
    );
    assert.match(
      await kubectl('get', 'hpa', 'api'),
      /^api +Deployment\/api +cpu: <unknown>\/60% +1 +4 +0 +\S+$/m,
    );
  });

  it('an autoscaler without replicas to scale to is refused with its field path', async () => {
    assert.match(
      await failure('apply', '-f', invalidFile),
      /spec\.maxReplicas: Invalid value: 0: must be greater than 0/,
    );
  });
});
