import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { ConfigMap } from '../../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import { ClusterRoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import { Role } from '../../../sdk/gen/wheelhouse/rbac/v1/role.js';
import { resolveResource } from '../../../sdk/kinds.js';
import { humanDuration, nodeStatus, podStatus } from '../../../sdk/printers/index.js';
import { tableHeader, tableRow } from './index.js';
import { renderTable, TableWriter } from './table.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  it('is precise while small and coarser as it grows, as kubectl prints ages', () => {
    const cases: [number, string][] = [
      [-5 * S, '<invalid>'],
      [-1 * S, '0s'],
      [0, '0s'],
      [119 * S, '119s'],
      [2 * M, '2m'],
      [3 * M + 20 * S, '3m20s'],
      [25 * M, '25m'],
      [179 * M, '179m'],
      [3 * H, '3h'],
      [5 * H + 12 * M, '5h12m'],
      [30 * H, '30h'],
      [3 * D + 4 * H, '3d4h'],
      [4 * D, '4d'],
      [12 * D, '12d'],
      [2 * 365 * D + 100 * D, '2y100d'],
      [9 * 365 * D, '9y'],
    ];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, `${ms}ms`);
  });
});

describe('podStatus', () => {
  const pod = (status: unknown, extra: Record<string, unknown> = {}) =>
    Pod.fromJSON({ spec: { containers: [{ name: 'a' }] }, status, ...extra });

  it('follows kubectl: phase, container reasons, init progress, Terminating', () => {
    assert.equal(podStatus(pod({})), 'Pending');
    assert.equal(podStatus(pod({ phase: 'Running' })), 'Running');
    assert.equal(podStatus(pod({ phase: 'Failed', reason: 'Evicted' })), 'Evicted');
    assert.equal(
      podStatus(
        pod({
          phase: 'Pending',
          containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ImagePullBackOff' } } }],
        }),
      ),
      'ImagePullBackOff',
    );
    assert.equal(
      podStatus(
        pod({
          phase: 'Running',
          containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137, signal: 9 } } }],
        }),
      ),
      'Signal:9',
    );
    assert.equal(
      podStatus(
        pod({
          phase: 'Succeeded',
          containerStatuses: [{ name: 'a', state: { terminated: { reason: 'Completed' } } }],
        }),
      ),
      'Completed',
    );
    const init = Pod.fromJSON({
      spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: { terminated: { exitCode: 0 } } },
          { name: 'i2', state: { running: {} } },
        ],
      },
    });
    assert.equal(podStatus(init), 'Init:1/2');
    assert.equal(
      podStatus(pod({ phase: 'Running' }, { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } })),
      'Terminating',
    );
  });
});

describe('nodeStatus', () => {
  it('reads the Ready condition and cordoning', () => {
    assert.equal(
      nodeStatus(Node.fromJSON({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })),
      'Ready',
    );
    assert.equal(
      nodeStatus(Node.fromJSON({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })),
      'NotReady',
    );
    assert.equal(
      nodeStatus(Node.fromJSON({ spec: { unschedulable: true }, status: { conditions: [] } })),
      'Unknown,SchedulingDisabled',
    );
  });
});

describe('tables', () => {
  it('aligns columns three spaces apart and leaves the last unpadded', () => {
    assert.equal(
      renderTable([
        ['NAME', 'AGE'],
        ['a-long-name', '5s'],
      ]),
      'NAME          AGE\na-long-name   5s\n',
    );
  });

  it('keeps rows printed later aligned with the header', () => {
    const writer = new TableWriter();
    assert.equal(
      writer.render([
        ['NAME', 'STATUS', 'AGE'],
        ['web', 'Pending', '1s'],
      ]),
      'NAME   STATUS    AGE\nweb    Pending   1s\n',
    );
    assert.equal(writer.render([['x', 'Running', '2s']]), 'x      Running   2s\n');
  });

  it('prints the kubectl columns of RBAC objects, config and quotas', () => {
    const now = new Date('2026-01-01T00:10:00Z');
    const kind = (name: string) => {
      const info = resolveResource(name);
      assert.ok(info, name);
      return info;
    };
    const created = { name: 'x', creationTimestamp: new Date('2026-01-01T00:00:00Z') };
    assert.deepEqual(tableHeader(kind('roles'), { now }), ['NAME', 'CREATED AT']);
    assert.deepEqual(tableRow(kind('roles'), Role.fromPartial({ metadata: created }), { now }), [
      'x',
      '2026-01-01T00:00:00Z',
    ]);
    const binding = ClusterRoleBinding.fromPartial({
      metadata: created,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', apiGroup: '', name: 'alice', namespace: '' },
        { kind: 'Group', apiGroup: '', name: 'devs', namespace: '' },
        { kind: 'ServiceAccount', apiGroup: '', name: 'ci', namespace: 'build' },
      ],
    });
    assert.deepEqual(tableHeader(kind('rolebindings'), { now, wide: true }), [
      'NAME',
      'ROLE',
      'AGE',
      'USERS',
      'GROUPS',
      'SERVICEACCOUNTS',
    ]);
    assert.deepEqual(tableRow(kind('clusterrolebindings'), binding, { now, wide: true }), [
      'x',
      'ClusterRole/view',
      '10m',
      'alice',
      'devs',
      'build/ci',
    ]);
    assert.deepEqual(
      tableRow(
        kind('cm'),
        ConfigMap.fromPartial({ metadata: created, data: { a: '1' }, binaryData: { b: Buffer.alloc(0) } }),
        { now },
      ),
      ['x', '2', '10m'],
    );
    assert.deepEqual(tableHeader(kind('secrets'), { now }), ['NAME', 'TYPE', 'DATA', 'AGE']);
    const quota = ResourceQuota.fromPartial({
      metadata: created,
      status: { hard: { pods: '10', 'limits.cpu': '2', 'requests.cpu': '1' }, used: { pods: '3' } },
    });
    assert.deepEqual(tableRow(kind('resourcequotas'), quota, { now }), [
      'x',
      '10m',
      'pods: 3/10, requests.cpu: 0/1',
      'limits.cpu: 0/2',
    ]);
  });

  it('prints the kubectl columns of nodes, and NAMESPACE first with -A', () => {
    const now = new Date('2026-01-01T00:10:00Z');
    const nodes = resolveResource('nodes');
    const cm = resolveResource('cm');
    assert.ok(nodes && cm);
    assert.deepEqual(tableHeader(nodes, { now }), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    const node = Node.fromJSON({
      metadata: {
        name: 'n1',
        creationTimestamp: '2026-01-01T00:00:00Z',
        labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '' },
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v0.1.0' } },
    });
    assert.deepEqual(tableRow(nodes, node, { now }), [
      'n1',
      'Ready',
      'control-plane,worker',
      '10m',
      'v0.1.0',
    ]);
    assert.deepEqual(tableHeader(cm, { now, withNamespace: true }), ['NAMESPACE', 'NAME', 'DATA', 'AGE']);
  });
});

test('events print LAST SEEN TYPE REASON OBJECT MESSAGE, repeats counted, no NAME', () => {
  const eventInfo = resolveResource('events');
  assert.ok(eventInfo);
  const now = new Date('2026-01-01T00:30:00Z');
  const event = Event.fromPartial({
    metadata: { name: 'web.1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    count: 3,
    firstTimestamp: new Date('2026-01-01T00:10:00Z'),
    lastTimestamp: new Date('2026-01-01T00:25:00Z'),
    source: { component: 'kubelet', host: 'node-1' },
  });
  const rows = [tableHeader(eventInfo, { now }), tableRow(eventInfo, event, { now })];
  assert.equal(
    renderTable(rows),
    'LAST SEEN          TYPE      REASON    OBJECT    MESSAGE\n' +
      '5m (x3 over 20m)   Warning   BackOff   pod/web   Back-off restarting failed container\n',
  );
  const wide = tableHeader(eventInfo, { now, wide: true });
  assert.deepEqual(wide, [
    'LAST SEEN',
    'TYPE',
    'REASON',
    'OBJECT',
    'SUBOBJECT',
    'SOURCE',
    'MESSAGE',
    'FIRST SEEN',
    'COUNT',
    'NAME',
  ]);
  assert.equal(tableRow(eventInfo, event, { now, wide: true })[5], 'kubelet, node-1');
});
