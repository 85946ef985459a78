import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Role } from '../../../sdk/gen/wheelhouse/rbac/v1/role.js';
import { resolveResource } from '../../../sdk/kinds.js';
import { tableOf } from './index.js';

const podInfo = resolveResource('pods');
const roleInfo = resolveResource('roles');
assert.ok(podInfo && roleInfo);
const now = new Date('2026-01-01T00:05:00Z');

const pod = (name: string, phase: string) =>
  Pod.fromJSON({
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '42',
      labels: { app: 'web' },
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase, podIP: '10.0.0.5' },
  });

describe('tableOf', () => {
  it('serves every column of the kind, wide ones at priority 1, and the cells of each object', () => {
    const table = tableOf(podInfo, [pod('a', 'Running'), pod('b', 'Succeeded')], {
      includeObject: 'None',
      listMeta: { resourceVersion: '50' },
      now,
    });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '50' });
    const columns = table.columnDefinitions as {
      name: string;
      priority: number;
      format: string;
      type: string;
    }[];
    assert.deepEqual(
      columns.map((c) => `${c.name}:${c.priority}`),
      [
        'Name:0',
        'Ready:0',
        'Status:0',
        'Restarts:0',
        'Age:0',
        'IP:1',
        'Node:1',
        'Nominated Node:1',
        'Readiness Gates:1',
      ],
    );
    assert.equal(columns[0]?.format, 'name');
    assert.deepEqual(table.rows, [
      { cells: ['a', '0/1', 'Running', '0', '5m', '10.0.0.5', 'n1', '<none>', '<none>'], object: null },
      {
        cells: ['b', '0/1', 'Succeeded', '0', '5m', '10.0.0.5', 'n1', '<none>', '<none>'],
        conditions: [
          {
            type: 'Completed',
            status: 'True',
            reason: 'Succeeded',
            message: 'The pod has completed successfully.',
          },
        ],
        object: null,
      },
    ]);
  });

  it('carries the objects as PartialObjectMetadata or whole, as includeObject asks', () => {
    const [metadata] = tableOf(podInfo, [pod('a', 'Running')], { includeObject: 'Metadata', now }).rows as {
      object: Record<string, unknown>;
    }[];
    assert.deepEqual(metadata?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: {
        name: 'a',
        namespace: 'default',
        uid: 'uid-a',
        resourceVersion: '42',
        creationTimestamp: '2026-01-01T00:00:00Z',
        labels: { app: 'web' },
      },
    });
    const [whole] = tableOf(podInfo, [pod('a', 'Running')], { includeObject: 'Object', now }).rows as {
      object: { apiVersion: string; kind: string; spec: { nodeName: string }; status: { podIP: string } };
    }[];
    assert.equal(whole?.object.apiVersion, 'v1');
    assert.equal(whole?.object.kind, 'Pod');
    assert.equal(whole?.object.spec.nodeName, 'n1');
    assert.equal(whole?.object.status.podIP, '10.0.0.5');
  });

  it('leaves the column definitions out when asked, and takes a single object’s resourceVersion', () => {
    const table = tableOf(podInfo, [pod('a', 'Running')], { includeObject: 'None', noHeaders: true, now });
    assert.equal('columnDefinitions' in table, false);
    assert.deepEqual(table.metadata, { resourceVersion: '42' });
  });

  it('gives kinds without columns of their own NAME and CREATED AT', () => {
    const role = Role.fromJSON({ metadata: { name: 'reader', creationTimestamp: '2026-01-01T00:00:00Z' } });
    const table = tableOf(roleInfo, [role], { includeObject: 'None', now });
    assert.deepEqual(
      (table.columnDefinitions as { name: string; type: string }[]).map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Created At', 'date'],
      ],
    );
    assert.deepEqual(table.rows, [{ cells: ['reader', '2026-01-01T00:00:00Z'], object: null }]);
  });
});
