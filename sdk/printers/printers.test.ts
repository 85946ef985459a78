import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DaemonSet } from '../gen/wheelhouse/apps/v1/daemon_set.js';
import { Deployment } from '../gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../gen/wheelhouse/apps/v1/replica_set.js';
import { CronJob } from '../gen/wheelhouse/batch/v1/cron_job.js';
import { Job } from '../gen/wheelhouse/batch/v1/job.js';
import { Event } from '../gen/wheelhouse/core/v1/event.js';
import { Node } from '../gen/wheelhouse/core/v1/node.js';
import { Role } from '../gen/wheelhouse/rbac/v1/role.js';
import { PriorityClass } from '../gen/wheelhouse/scheduling/v1/priority_class.js';
import { typesOf } from '../kind-registry.js';
import { kinds, resolveResource } from '../kinds.js';
import { formatLabelSelector, nodeRoles, nodeStatus, printerFor } from './index.js';
import { jobStatus } from './job.js';

const now = new Date('2026-01-01T00:10:00Z');
const created = '2026-01-01T00:00:00Z';

const printer = (resource: string) => {
  const info = resolveResource(resource);
  assert.ok(info, resource);
  return printerFor(info);
};
const header = (resource: string, wide = false) =>
  printer(resource)
    .columns.filter((c) => wide || c.priority === 0)
    .map((c) => c.name.toUpperCase());

describe('every kind', () => {
  it('has a column per cell and the name column first, events aside', () => {
    for (const info of kinds) {
      const p = printerFor(info);
      const cells = p.cells(typesOf(info).message.fromJSON({ metadata: { name: 'x' } }), now);
      assert.equal(cells.length, p.columns.length, info.kind);
      const name = p.columns.findIndex((c) => c.format === 'name');
      assert.equal(name, info.kind === 'Event' ? p.columns.length - 1 : 0, info.kind);
    }
  });

  it('without columns of its own gets NAME and CREATED AT, as the apiserver’s default', () => {
    assert.deepEqual(header('roles'), ['NAME', 'CREATED AT']);
    assert.deepEqual(header('limitranges'), ['NAME', 'CREATED AT']);
    const role = Role.fromJSON({ metadata: { name: 'r', creationTimestamp: '2026-01-01T00:00:00.250Z' } });
    assert.deepEqual(printer('clusterroles').cells(role, now), ['r', '2026-01-01T00:00:00Z']);
    assert.equal(printer('roles').columns[1]?.type, 'date');
  });
});

describe('nodes', () => {
  const node = (labels: Record<string, string>, conditions: unknown[], spec: Record<string, unknown> = {}) =>
    Node.fromJSON({
      metadata: { name: 'n1', creationTimestamp: created, labels },
      spec,
      status: { conditions },
    });

  it('take their roles from both kinds of role label, sorted and once each', () => {
    assert.equal(
      nodeRoles(
        node(
          {
            'node-role.kubernetes.io/worker': '',
            'node-role.kubernetes.io/control-plane': 'true',
            'kubernetes.io/role': 'worker',
            'node-role.kubernetes.io/': '',
          },
          [],
        ),
      ),
      'control-plane,worker',
    );
    assert.equal(nodeRoles(node({ 'kubernetes.io/role': 'edge' }, [])), 'edge');
    assert.equal(nodeRoles(node({ 'kubernetes.io/role': '' }, [])), '<none>');
  });

  it('are Ready, NotReady for a False or Unknown condition, Unknown without one, and say when cordoned', () => {
    assert.equal(nodeStatus(node({}, [{ type: 'Ready', status: 'True' }])), 'Ready');
    assert.equal(nodeStatus(node({}, [{ type: 'Ready', status: 'Unknown' }])), 'NotReady');
    assert.equal(
      nodeStatus(node({}, [{ type: 'Ready', status: 'False' }], { unschedulable: true })),
      'NotReady,SchedulingDisabled',
    );
    assert.equal(nodeStatus(node({}, [{ type: 'MemoryPressure', status: 'False' }])), 'Unknown');
  });

  it('print kubectl’s wide columns, <unknown> for missing system info', () => {
    assert.deepEqual(header('nodes', true), [
      'NAME',
      'STATUS',
      'ROLES',
      'AGE',
      'VERSION',
      'INTERNAL-IP',
      'EXTERNAL-IP',
      'OS-IMAGE',
      'KERNEL-VERSION',
      'CONTAINER-RUNTIME',
    ]);
    const n = Node.fromJSON({
      metadata: { name: 'n1', creationTimestamp: created },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [
          { type: 'Hostname', address: 'n1' },
          { type: 'InternalIP', address: '10.0.0.1' },
        ],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12' },
      },
    });
    assert.deepEqual(printer('nodes').cells(n, now), [
      'n1',
      'Ready',
      '<none>',
      '10m',
      'v1.32.0',
      '10.0.0.1',
      '<none>',
      'Debian GNU/Linux 12',
      '<unknown>',
      '<unknown>',
    ]);
  });
});

describe('workloads', () => {
  it('deployments: READY is ready out of desired (one when unset), counts as numbers', () => {
    const d = Deployment.fromJSON({
      metadata: { name: 'web', creationTimestamp: created },
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web', tier: 'front' },
          matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }],
        },
        template: {
          spec: {
            containers: [
              { name: 'nginx', image: 'nginx:1.27' },
              { name: 'log', image: 'busybox' },
            ],
          },
        },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    assert.deepEqual(header('deploy', true), [
      'NAME',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
      'CONTAINERS',
      'IMAGES',
      'SELECTOR',
    ]);
    assert.deepEqual(printer('deploy').cells(d, now), [
      'web',
      '2/3',
      3,
      2,
      '10m',
      'nginx,log',
      'nginx:1.27,busybox',
      'app=web,env in (dev,prod),tier=front',
    ]);
    const fresh = Deployment.fromJSON({ metadata: { name: 'new' }, spec: {} });
    assert.deepEqual(printer('deploy').cells(fresh, now).slice(1, 5), ['0/1', 0, 0, '<unknown>']);
  });

  it('replica and daemon sets: integer counts, node selector and selector written as kubectl does', () => {
    const rs = ReplicaSet.fromJSON({
      metadata: { name: 'web-1' },
      spec: { replicas: 2 },
      status: { replicas: 2, readyReplicas: 1 },
    });
    assert.deepEqual(printer('rs').cells(rs, now).slice(0, 4), ['web-1', 2, 2, 1]);
    assert.equal(printer('rs').cells(rs, now)[7], '<none>');
    const ds = DaemonSet.fromJSON({
      metadata: { name: 'agent' },
      spec: { template: { spec: { nodeSelector: { zone: 'a', 'kubernetes.io/os': 'linux' } } } },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    });
    assert.deepEqual(printer('ds').cells(ds, now).slice(0, 7), [
      'agent',
      3,
      3,
      2,
      3,
      2,
      'kubernetes.io/os=linux,zone=a',
    ]);
  });

  it('jobs: the terminal condition, then deletion, then suspension', () => {
    const job = (conditions: unknown[], metadata: Record<string, unknown> = {}) =>
      Job.fromJSON({ metadata: { name: 'j', ...metadata }, status: { conditions } });
    assert.equal(jobStatus(job([])), 'Running');
    assert.equal(jobStatus(job([{ type: 'Complete', status: 'True' }])), 'Complete');
    assert.equal(jobStatus(job([{ type: 'Failed', status: 'True' }])), 'Failed');
    assert.equal(
      jobStatus(job([{ type: 'Suspended', status: 'True' }], { deletionTimestamp: created })),
      'Terminating',
    );
    assert.equal(jobStatus(job([{ type: 'Suspended', status: 'True' }])), 'Suspended');
    assert.equal(jobStatus(job([{ type: 'Suspended', status: 'False' }])), 'Running');
    const j = Job.fromJSON({
      metadata: { name: 'pi', creationTimestamp: created },
      spec: { completions: 5 },
      status: { succeeded: 3, startTime: '2026-01-01T00:01:00Z', completionTime: '2026-01-01T00:04:20Z' },
    });
    assert.deepEqual(printer('jobs').cells(j, now).slice(0, 5), ['pi', 'Running', '3/5', '3m20s', '10m']);
  });

  it('cron jobs: SUSPEND as kubectl writes an optional boolean', () => {
    const cj = (spec: Record<string, unknown>) =>
      CronJob.fromJSON({
        metadata: { name: 'c', creationTimestamp: created },
        spec: { schedule: '*/5 * * * *', ...spec },
      });
    assert.deepEqual(header('cj'), [
      'NAME',
      'SCHEDULE',
      'TIMEZONE',
      'SUSPEND',
      'ACTIVE',
      'LAST SCHEDULE',
      'AGE',
    ]);
    assert.deepEqual(
      printer('cj')
        .cells(cj({ suspend: false }), now)
        .slice(0, 7),
      ['c', '*/5 * * * *', '<none>', 'False', 0, '<none>', '10m'],
    );
    assert.equal(printer('cj').cells(cj({ suspend: true, timeZone: 'Etc/UTC' }), now)[3], 'True');
    assert.equal(printer('cj').cells(cj({}), now)[3], '<unset>');
  });
});

describe('events', () => {
  it('print LAST SEEN TYPE REASON OBJECT MESSAGE, the rest wide, without repeats in LAST SEEN', () => {
    assert.deepEqual(header('events'), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    const e = Event.fromPartial({
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{a}' },
      type: 'Warning',
      reason: 'BackOff',
      message: ' Back-off restarting failed container\n',
      count: 3,
      firstTimestamp: new Date('2026-01-01T00:02:00Z'),
      lastTimestamp: new Date('2026-01-01T00:08:00Z'),
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
    });
    assert.deepEqual(printer('events').cells(e, now), [
      '2m',
      'Warning',
      'BackOff',
      'pod/web',
      'spec.containers{a}',
      'kubelet, node-1',
      'Back-off restarting failed container',
      '8m',
      3,
      'web.1',
    ]);
    const series = Event.fromPartial({
      involvedObject: { kind: 'Node' },
      eventTime: new Date('2026-01-01T00:01:00Z'),
      series: { count: 7, lastObservedTime: new Date('2026-01-01T00:09:30Z') },
      source: { component: 'scheduler', host: '' },
    });
    const cells = printer('events').cells(series, now);
    assert.deepEqual(
      [cells[0], cells[3], cells[5], cells[7], cells[8]],
      ['30s', 'node', 'scheduler', '9m', 7],
    );
  });
});

describe('scalars', () => {
  it('keep their JSON types, as a Table carries them', () => {
    const pc = PriorityClass.fromJSON({
      metadata: { name: 'high' },
      value: 2000001000,
      globalDefault: false,
    });
    assert.deepEqual(printer('pc').cells(pc, now), [
      'high',
      2000001000,
      false,
      '<unknown>',
      'PreemptLowerPriority',
    ]);
    assert.deepEqual(
      printer('pc').columns.map((c) => c.type),
      ['string', 'integer', 'boolean', 'string', 'string'],
    );
  });

  it('selectors print <none> when empty and <error> when invalid', () => {
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({ matchLabels: {}, matchExpressions: [] }), '<none>');
    assert.equal(
      formatLabelSelector({
        matchLabels: {},
        matchExpressions: [{ key: 'a', operator: 'Bogus', values: [] }],
      }),
      '<error>',
    );
    assert.equal(
      formatLabelSelector({
        matchLabels: {},
        matchExpressions: [
          { key: 'b', operator: 'DoesNotExist', values: [] },
          { key: 'a', operator: 'Exists', values: [] },
          { key: 'c', operator: 'NotIn', values: ['y', 'x'] },
        ],
      }),
      'a,!b,c notin (x,y)',
    );
  });
});
