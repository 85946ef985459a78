import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Affinity } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { sameSchedulingFields } from './scheduling-fields.js';

function bound(): Pod {
  return Pod.fromPartial({
    metadata: {
      name: 'p',
      namespace: 'default',
      uid: 'uid-p',
      resourceVersion: '10',
      labels: { app: 'web' },
      creationTimestamp: new Date(1_000),
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-1', controller: true },
      ],
    },
    spec: {
      nodeName: 'node-1',
      priority: 0,
      containers: [
        {
          name: 'c',
          image: 'nginx',
          resources: { requests: { cpu: '100m', memory: '100Mi' } },
          ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }],
        },
      ],
    },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  });
}

describe('sameSchedulingFields', () => {
  it('ignores what nothing in the scheduler reads: status reports, resourceVersion, annotations, images', () => {
    const b = bound();
    b.metadata!.resourceVersion = '11';
    b.metadata!.annotations = { note: 'x' };
    b.spec!.containers[0]!.image = 'nginx:2';
    b.status = {
      ...b.status!,
      phase: 'Running',
      podIp: '10.0.0.1',
      conditions: [
        { type: 'PodScheduled', status: 'True', reason: '', message: '', observedGeneration: '0' },
        { type: 'Ready', status: 'True', reason: '', message: '', observedGeneration: '0' },
      ],
    };
    assert.equal(sameSchedulingFields(bound(), b), true);
  });

  const changes: [string, (p: Pod) => void][] = [
    [
      'labels',
      (p) => {
        p.metadata!.labels = { app: 'db' };
      },
    ],
    [
      'a label added',
      (p) => {
        p.metadata!.labels = { app: 'web', tier: 'x' };
      },
    ],
    [
      'the controller',
      (p) => {
        p.metadata!.ownerReferences[0]!.uid = 'rs-2';
      },
    ],
    [
      'deletionTimestamp',
      (p) => {
        p.metadata!.deletionTimestamp = new Date(5_000);
      },
    ],
    [
      'creationTimestamp',
      (p) => {
        p.metadata!.creationTimestamp = new Date(2_000);
      },
    ],
    [
      'status.startTime',
      (p) => {
        p.status!.startTime = new Date(3_000);
      },
    ],
    [
      'the DisruptionTarget condition',
      (p) =>
        p.status!.conditions.push({
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'PreemptionByScheduler',
          message: '',
          observedGeneration: '0',
        }),
    ],
    [
      'nodeName',
      (p) => {
        p.spec!.nodeName = 'node-2';
      },
    ],
    [
      'priority',
      (p) => {
        p.spec!.priority = 1000;
      },
    ],
    [
      'a request',
      (p) => {
        p.spec!.containers[0]!.resources!.requests = { cpu: '200m', memory: '100Mi' };
      },
    ],
    [
      'a host port',
      (p) => {
        p.spec!.containers[0]!.ports[0]!.hostPort = 8081;
      },
    ],
    ['a container added', (p) => p.spec!.containers.push({ ...p.spec!.containers[0]!, name: 'd' })],
    [
      'overhead',
      (p) => {
        p.spec!.overhead = { cpu: '10m' };
      },
    ],
    [
      'affinity',
      (p) => {
        p.spec!.affinity = Affinity.fromPartial({
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
            ],
          },
        });
      },
    ],
  ];
  for (const [what, change] of changes) {
    it(`sees a change of ${what}`, () => {
      const b = bound();
      change(b);
      assert.equal(sameSchedulingFields(bound(), b), false);
    });
  }

  it('compares affinity by value, not by object', () => {
    const withAffinity = () => {
      const p = bound();
      p.spec!.affinity = Affinity.fromPartial({
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'zone', labelSelector: { matchLabels: { app: 'web' } }, namespaces: ['a'] },
          ],
        },
      });
      return p;
    };
    assert.equal(sameSchedulingFields(withAffinity(), withAffinity()), true);
    const other = withAffinity();
    other.spec!.affinity!.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution[0]!.namespaces = ['b'];
    assert.equal(sameSchedulingFields(withAffinity(), other), false);
  });
});
