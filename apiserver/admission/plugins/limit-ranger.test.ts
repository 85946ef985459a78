import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ApiError, Code } from '../../../sdk/errors.js';
import type { LimitRange } from '../../../sdk/gen/wheelhouse/core/v1/limit_range.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { fromYaml } from '../../kinds/testing.js';
import { limitRanger } from './limit-ranger.js';
import { attrsFor } from './testing.js';

const ranges = [
  fromYaml<LimitRange>(`
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: team}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m, memory: 128Mi}
    min: {cpu: 50m}
    max: {cpu: "1", memory: 1Gi}
    maxLimitRequestRatio: {cpu: "5"}
  - type: Pod
    max: {memory: 1536Mi}
`),
];

const pod = (containers: string) =>
  fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: team}
spec:
  containers:
${containers}`);

async function run(p: Pod, lrs: LimitRange[] = ranges) {
  const plugin = limitRanger(async (ns) => (ns === 'team' ? lrs : []));
  const attrs = attrsFor('CREATE', p);
  await plugin.admit?.(attrs);
  await plugin.validate?.(attrs);
}

describe('LimitRanger', () => {
  it('fills in default requests and limits and says so in an annotation', async () => {
    const p = pod(
      '  - {name: a, image: nginx}\n  - {name: b, image: nginx, resources: {limits: {cpu: 200m}, requests: {cpu: 200m}}}',
    );
    await run(p);
    assert.deepEqual(p.spec?.containers[0]?.resources?.requests, { cpu: '100m', memory: '128Mi' });
    assert.deepEqual(p.spec?.containers[0]?.resources?.limits, { cpu: '500m', memory: '256Mi' });
    assert.deepEqual(p.spec?.containers[1]?.resources?.requests, { cpu: '200m', memory: '128Mi' });
    assert.deepEqual(p.spec?.containers[1]?.resources?.limits, { cpu: '200m', memory: '256Mi' });
    assert.equal(
      p.metadata?.annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; memory limit for container b',
    );
  });

  it('lists every violation with its field path', async () => {
    const p = pod(`  - name: a
    image: nginx
    resources: {requests: {cpu: 10m, memory: 100Mi}, limits: {cpu: "2", memory: 1Gi}}
  - name: b
    image: nginx
    resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {cpu: 800m, memory: 1Gi}}`);
    await assert.rejects(run(p), (err: ApiError) => {
      assert.equal(err.code, Code.PERMISSION_DENIED);
      assert.deepEqual(
        err.causes.map((c) => `${c.field}: ${c.message}`),
        [
          'spec.containers[0].resources.requests.cpu: minimum cpu usage per Container is 50m, but request is 10m',
          'spec.containers[0].resources.limits.cpu: maximum cpu usage per Container is 1, but limit is 2',
          'spec.containers[0].resources.limits.cpu: cpu max limit to request ratio per Container is 5, but provided ratio is 200.000000',
          'spec.containers[1].resources.limits.cpu: cpu max limit to request ratio per Container is 5, but provided ratio is 8.000000',
          'spec.resources.limits.memory: maximum memory usage per Pod is 1536Mi, but limit is 2Gi',
        ],
      );
      assert.match(
        err.message,
        /^pods "p" is forbidden: \[spec\.containers\[0\]\.resources\.requests\.cpu: minimum/,
      );
      return true;
    });
  });

  it('does nothing in a namespace without limit ranges', async () => {
    const p = pod('  - {name: a, image: nginx}');
    await run(p, []);
    assert.deepEqual(p.spec?.containers[0]?.resources?.requests ?? {}, {});
    assert.equal(p.metadata?.annotations['kubernetes.io/limit-ranger'], undefined);
  });
});
