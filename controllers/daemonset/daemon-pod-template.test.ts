import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import { daemonPodTemplate, nodeNameAffinity, targetNodeName } from './daemon-pod-template.js';
import { daemonSet } from './testing.js';

test('the pod template gets the daemon tolerations once, replacing equal ones, and the revision hash', () => {
  const ds = daemonSet('agent', {
    tolerations: [
      // Same key, operator, value and effect: replaced (its tolerationSeconds goes).
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        value: '',
        effect: 'NoExecute',
        tolerationSeconds: '300',
      },
      { key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' },
    ],
  });
  const template = daemonPodTemplate(ds.spec?.template, 'abc123');
  assert.equal(template.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL], 'abc123');
  assert.equal(template.metadata?.labels.app, 'agent');
  const tolerations = template.spec?.tolerations ?? [];
  assert.deepEqual(
    tolerations.map((t) => `${t.key}:${t.effect}:${t.tolerationSeconds ?? '-'}`),
    [
      'node.kubernetes.io/not-ready:NoExecute:-',
      'dedicated:NoSchedule:-',
      'node.kubernetes.io/unreachable:NoExecute:-',
      'node.kubernetes.io/disk-pressure:NoSchedule:-',
      'node.kubernetes.io/memory-pressure:NoSchedule:-',
      'node.kubernetes.io/pid-pressure:NoSchedule:-',
      'node.kubernetes.io/unschedulable:NoSchedule:-',
    ],
  );
  // The DaemonSet's own template is untouched.
  assert.equal(ds.spec?.template?.spec?.tolerations.length, 2);
  assert.equal(ds.spec?.template?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL], undefined);
});

test('the node affinity replaces the required terms and keeps the preferred ones', () => {
  const preferred = [
    {
      weight: 5,
      preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists', values: [] }], matchFields: [] },
    },
  ];
  const affinity = nodeNameAffinity(
    {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'role', operator: 'In', values: ['w'] }], matchFields: [] },
          ],
        },
        preferredDuringSchedulingIgnoredDuringExecution: preferred,
      },
    },
    'node-7',
  );
  assert.deepEqual(affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [
      { matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-7'] }] },
    ],
  });
  assert.deepEqual(affinity.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution, preferred);
});

test('a pod is for the node it is bound to, else the node its affinity names', () => {
  const pod = Pod.fromPartial({ spec: { affinity: nodeNameAffinity(undefined, 'n2') } });
  assert.equal(targetNodeName(pod), 'n2');
  assert.equal(targetNodeName(Pod.fromPartial({ spec: { ...pod.spec, nodeName: 'n3' } })), 'n3');
  assert.equal(targetNodeName(Pod.fromPartial({ spec: {} })), undefined);
});
