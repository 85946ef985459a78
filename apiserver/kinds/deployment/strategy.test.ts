import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { deploymentStrategy } from './strategy.js';

const strategy = deploymentStrategy();

function rawDeployment(): Deployment {
  return fromYaml<Deployment>(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, tier: frontend}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 80}]
`);
}

function created(): Deployment {
  const d = rawDeployment();
  strategy.applyDefaults(d);
  strategy.prepareForCreate(d, ctx);
  return d;
}

describe('Deployment defaults', () => {
  it('fills in replicas, strategy, history and deadline, and the template as a Pod', () => {
    const spec = created().spec!;
    assert.equal(spec.replicas, 1);
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.equal(spec.strategy?.type, 'RollingUpdate');
    assert.deepEqual(spec.strategy?.rollingUpdate?.maxSurge, { value: { $case: 'strVal', value: '25%' } });
    assert.deepEqual(spec.strategy?.rollingUpdate?.maxUnavailable, {
      value: { $case: 'strVal', value: '25%' },
    });
    assert.equal(spec.template?.spec?.restartPolicy, 'Always');
    assert.equal(spec.template?.spec?.containers[0]?.ports[0]?.protocol, 'TCP');
  });

  it('leaves Recreate without rolling parameters', () => {
    const d = rawDeployment();
    d.spec!.strategy = { type: 'Recreate' };
    strategy.applyDefaults(d);
    assert.equal(d.spec!.strategy?.rollingUpdate, undefined);
  });
});

describe('Deployment validation', () => {
  it('accepts a realistic Deployment', () => {
    assert.deepEqual(messages(strategy.validate(created(), ctx)), []);
  });

  const int = (value: number) => ({ value: { $case: 'intVal' as const, value } });
  const str = (value: string) => ({ value: { $case: 'strVal' as const, value } });
  const cases: [string, (d: Deployment) => void, string[]][] = [
    ['a missing selector', (d) => (d.spec!.selector = undefined), ['spec.selector: Required value']],
    [
      'an empty selector',
      (d) => (d.spec!.selector = { matchLabels: {}, matchExpressions: [] }),
      [
        'spec.selector: Invalid value: {"matchLabels":{},"matchExpressions":[]}: empty selector is invalid for deployment',
      ],
    ],
    [
      'a selector that does not match the template',
      (d) => (d.spec!.selector!.matchLabels.app = 'api'),
      [
        'spec.template.metadata.labels: Invalid value: {"app":"web","tier":"frontend"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'negative replicas',
      (d) => (d.spec!.replicas = -1),
      ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'an unknown strategy',
      (d) => (d.spec!.strategy!.type = 'BlueGreen'),
      ['spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"'],
    ],
    [
      'rolling parameters with Recreate',
      (d) => (d.spec!.strategy!.type = 'Recreate'),
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'a negative maxSurge',
      (d) => (d.spec!.strategy!.rollingUpdate!.maxSurge = int(-1)),
      ['spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'a maxUnavailable above 100%',
      (d) => (d.spec!.strategy!.rollingUpdate!.maxUnavailable = str('150%')),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%'],
    ],
    [
      'a maxSurge that is not a percentage',
      (d) => (d.spec!.strategy!.rollingUpdate!.maxSurge = str('half')),
      ['spec.strategy.rollingUpdate.maxSurge: Invalid value: "half": must be a percentage'],
    ],
    [
      'maxSurge and maxUnavailable both zero',
      (d) => {
        d.spec!.strategy!.rollingUpdate!.maxSurge = int(0);
        d.spec!.strategy!.rollingUpdate!.maxUnavailable = str('0%');
      },
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0'],
    ],
    [
      'a deadline within minReadySeconds',
      (d) => (d.spec!.minReadySeconds = 600),
      ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds'],
    ],
    [
      'a template that does not restart',
      (d) => (d.spec!.template!.spec!.restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'an invalid template container',
      (d) => (d.spec!.template!.spec!.containers[0]!.image = ''),
      ['spec.template.spec.containers[0].image: Required value'],
    ],
  ];
  for (const [name, mutate, expected] of cases) {
    it(`refuses ${name}`, () => {
      const d = created();
      mutate(d);
      const got = messages(strategy.validate(d, ctx));
      assert.equal(got.length, expected.length, `got ${JSON.stringify(got)}`);
      expected.forEach((want, i) => {
        assert.ok(got[i]?.startsWith(want), `${got[i]} should start with ${want}`);
      });
    });
  }
});

describe('Deployment update', () => {
  it('allows a new template and scale, and refuses a new selector', () => {
    const old = created();
    const d = created();
    d.spec!.replicas = 5;
    d.spec!.template!.spec!.containers[0]!.image = 'nginx:1.26';
    assert.deepEqual(messages(strategy.validateUpdate(d, old, ctx)), []);
    d.spec!.selector!.matchLabels.tier = 'frontend';
    assert.deepEqual(messages(strategy.validateUpdate(d, old, ctx)), [
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"frontend"},"matchExpressions":[]}: field is immutable',
    ]);
  });

  it('keeps the status on the main endpoint and the spec on the status endpoint', () => {
    const old = created();
    const d = created();
    d.status = {
      observedGeneration: '1',
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 0,
      conditions: [],
    };
    strategy.prepareForUpdate(d, old, ctx);
    assert.equal(d.status, undefined);

    const s = created();
    s.spec!.replicas = 9;
    s.status = {
      observedGeneration: '1',
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 1,
      conditions: [],
    };
    strategy.status!.prepareForUpdate(s, old, ctx);
    assert.equal(s.spec!.replicas, 1);
    assert.equal(s.status?.readyReplicas, 2);
    assert.deepEqual(messages(strategy.status!.validateUpdate(s, old, ctx)), []);
    s.status!.availableReplicas = 4;
    assert.deepEqual(messages(strategy.status!.validateUpdate(s, old, ctx)), [
      'status.availableReplicas: Invalid value: 4: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 4: cannot be greater than readyReplicas',
    ]);
  });
});
