/**
 * The field manager's typed recording against its reference, the comparison of manifest
 * JSON with every entry decoded and encoded again: on a corpus of objects and writes
 * (hand-picked edge cases, then seeded random changes), both must set the same
 * managedFields, byte for byte, or fail with the same error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Secret } from '../../sdk/gen/wheelhouse/core/v1/secret.js';
import type { ManagedFieldsEntry } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import { type KindInfo, kindFor, kinds, protoTypeOf } from '../../sdk/kinds.js';
import { messageType } from '../../sdk/manifest/schema.js';
import { fieldsV1Of, treeOfFieldsV1 } from '../../sdk/patch/fields-v1.js';
import { typedShapeOf } from '../../sdk/patch/typed-compare.js';
import { createFieldManager } from './field-manager.js';
import type { RequestContext } from './request-context.js';

const podInfo = kindFor('v1', 'Pod') as KindInfo;
const deploymentInfo = kindFor('apps/v1', 'Deployment') as KindInfo;
const configMapInfo = kindFor('v1', 'ConfigMap') as KindInfo;
const secretInfo = kindFor('v1', 'Secret') as KindInfo;
const nodeInfo = kindFor('v1', 'Node') as KindInfo;

const t0 = Date.parse('2026-03-01T10:00:00.250Z');
const ctx = (fieldManager: string, step: number): RequestContext => ({
  user: 'test',
  groups: [],
  dryRun: false,
  now: new Date(t0 + step * 1_700),
  fieldManager,
});

function copy<T extends KindObject>(info: KindInfo, o: T): T {
  const m = typesOf(info).message;
  return m.decode(m.encode(o).finish()) as T;
}

/** What recordUpdate leaves in managedFields, or the error it throws, as text that keeps key order. */
function outcome(info: KindInfo, manifest: boolean, hasStatus: boolean, w: Write): string {
  const fm = createFieldManager(info, hasStatus, { manifestComparison: manifest });
  const obj = copy(info, w.next);
  try {
    fm.recordUpdate(obj, w.old && copy(info, w.old), ctx(w.manager, w.step), w.subresource);
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
  return JSON.stringify(
    (obj.metadata?.managedFields ?? []).map((e) => ({ ...e, time: e.time?.toISOString() })),
  );
}

interface Write {
  readonly old: KindObject | undefined;
  readonly next: KindObject;
  readonly manager: string;
  readonly subresource: string;
  readonly step: number;
}

/**
 * Runs `writes` (each a change of the object as the previous write left it) through the
 * typed field manager and its reference; asserts they agree at every step and returns
 * the last object.
 */
function agree<T extends KindObject>(
  info: KindInfo,
  start: T,
  writes: readonly { manager: string; subresource?: string; change: (o: T) => void; label?: string }[],
  hasStatus = true,
): T {
  let current: T | undefined;
  let step = 0;
  const first: (typeof writes)[number] = { manager: 'creator', change: () => {}, label: 'create' };
  for (const write of [first, ...writes]) {
    const next = current ? copy(info, current) : copy(info, start);
    write.change(next);
    const w: Write = {
      old: current,
      next,
      manager: write.manager,
      subresource: write.subresource ?? '',
      step: step++,
    };
    const typed = outcome(info, false, hasStatus, w);
    const reference = outcome(info, true, hasStatus, w);
    assert.equal(typed, reference, `${info.kind}, write ${w.step} (${write.label ?? write.manager})`);
    if (!typed.startsWith('error:')) {
      const fm = createFieldManager(info, hasStatus);
      const stored = copy(info, next);
      fm.recordUpdate(stored, current, ctx(w.manager, w.step), w.subresource);
      current = stored;
    }
  }
  return current as T;
}

function basePod(): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'default',
      uid: 'u-1',
      creationTimestamp: new Date(t0),
      labels: { app: 'web' },
      finalizers: ['example.com/a'],
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1', controller: true },
      ],
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          env: [{ name: 'A', value: '1' }],
          resources: { requests: { cpu: '100m' } },
          readinessProbe: { httpGet: { path: '/', port: { value: { $case: 'intVal', value: 80 } } } },
        },
      ],
      tolerations: [{ key: 'k', operator: 'Exists' }],
      terminationGracePeriodSeconds: '30',
    },
  });
}

type PodMeta = NonNullable<Pod['metadata']>;
type PodSpec = NonNullable<Pod['spec']>;
const meta = (p: { metadata?: PodMeta | undefined }) => p.metadata as PodMeta;
const spec = (p: Pod) => p.spec as PodSpec;
const container = (p: Pod, i = 0) => spec(p).containers[i] as PodSpec['containers'][number];

describe('field manager: typed recording agrees with the manifest comparison', () => {
  it('every kind in the kind table is walked typed', () => {
    for (const info of kinds) {
      assert.ok(typedShapeOf(messageType(protoTypeOf(info))), `${info.kind} falls back to manifest JSON`);
    }
  });

  it('a Pod through labels, containers, lists, sets and status', () => {
    agree(podInfo, basePod(), [
      { manager: 'kubectl-label', change: (p) => (meta(p).labels.tier = 'web'), label: 'add label' },
      { manager: 'kubectl-label', change: (p) => (meta(p).labels.tier = 'front'), label: 'change label' },
      { manager: 'other', change: (p) => delete meta(p).labels.tier, label: 'remove label' },
      { manager: 'other', change: (p) => (meta(p).labels = {}), label: 'labels emptied' },
      { manager: 'other', change: (p) => (meta(p).labels = { a: '' }), label: 'labels back, empty value' },
      { manager: 'fin', change: (p) => meta(p).finalizers.push('example.com/b'), label: 'set item added' },
      { manager: 'fin', change: (p) => meta(p).finalizers.shift(), label: 'set item removed' },
      { manager: 'img', change: (p) => (container(p).image = 'nginx:1.28'), label: 'image' },
      {
        manager: 'ports',
        change: (p) =>
          container(p).ports.push({ name: '', containerPort: 80, protocol: 'UDP', hostPort: 0, hostIp: '' }),
        label: 'port keyed by number and protocol',
      },
      {
        manager: 'ports',
        change: (p) => {
          const ports = container(p).ports;
          ports.push({ ...(ports[0] as (typeof ports)[number]) });
        },
        label: 'duplicate port: the list compares whole',
      },
      { manager: 'ports', change: (p) => container(p).ports.pop(), label: 'duplicate gone' },
      {
        manager: 'env',
        change: (p) => container(p).env.unshift({ name: 'B', value: '2' }),
        label: 'env item first',
      },
      {
        manager: 'sidecar',
        change: (p) => spec(p).containers.push({ ...container(p), name: 'side', env: [], ports: [] }),
        label: 'container added',
      },
      { manager: 'tol', change: (p) => (spec(p).tolerations = []), label: 'atomic list cleared' },
      {
        manager: 'probe',
        change: (p) => {
          const probe = container(p).readinessProbe;
          if (probe?.httpGet) probe.httpGet.port = { value: { $case: 'strVal', value: 'http' } };
        },
        label: 'int-or-string',
      },
      {
        manager: 'grace',
        change: (p) => (spec(p).terminationGracePeriodSeconds = undefined),
        label: 'optional unset',
      },
      { manager: 'sidecar', change: (p) => spec(p).containers.splice(0, 1), label: 'container removed' },
      {
        manager: 'kubelet',
        subresource: 'status',
        change: (p) => {
          p.status = Pod.fromPartial({
            status: {
              phase: 'Running',
              conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(t0) }],
              containerStatuses: [
                { name: 'side', ready: true, state: { running: { startedAt: new Date(t0) } } },
              ],
              podIps: [{ ip: '10.0.0.1' }],
            },
          }).status;
        },
        label: 'status',
      },
      {
        manager: 'kubelet',
        subresource: 'status',
        change: (p) => {
          const c = p.status?.conditions[0];
          if (c) c.lastTransitionTime = new Date(t0 + 5_000);
        },
        label: 'a condition time',
      },
      {
        manager: 'scheduler',
        subresource: 'status',
        change: (p) =>
          p.status?.conditions.push({
            ...(p.status.conditions[0] as NonNullable<Pod['status']>['conditions'][number]),
            type: 'PodScheduled',
          }),
        label: 'a condition of another manager',
      },
      {
        manager: 'kubectl',
        change: (p) => {
          if (p.status) p.status.phase = 'Failed';
          meta(p).annotations = { note: 'x' };
        },
        label: 'status changed through the main endpoint is not owned',
      },
      { manager: 'noop', change: () => {}, label: 'no change' },
    ]);
  });

  it('managedFields the request brings: kept, edited, out of order, cleared, invalid', () => {
    const base = agree(podInfo, basePod(), [
      {
        manager: 'kubelet',
        subresource: 'status',
        change: (p) => (p.status = Pod.fromPartial({ status: { phase: 'Pending' } }).status),
      },
    ]);
    const entries = () => meta(base).managedFields;
    const withEntries =
      (make: (e: ManagedFieldsEntry[]) => ManagedFieldsEntry[], then?: (p: Pod) => void) => (p: Pod) => {
        meta(p).managedFields = make(structuredClone(entries()));
        then?.(p);
      };
    const reordered = (e: ManagedFieldsEntry[]) =>
      e.map((x) => ({
        ...x,
        fieldsV1: fieldsV1Of(Object.fromEntries(Object.entries(treeOfFieldsV1(x.fieldsV1) ?? {}).reverse())),
      }));
    const cases: [string, (p: Pod) => void][] = [
      [
        'sent back as stored, label added',
        withEntries(
          (e) => e,
          (p) => (meta(p).labels.x = 'y'),
        ),
      ],
      ['sent back as stored, nothing changed', withEntries((e) => e)],
      ['keys out of order, nothing changed', withEntries(reordered)],
      ['keys out of order, label added', withEntries(reordered, (p) => (meta(p).labels.x = 'y'))],
      [
        'keys out of order, label of the creator changed',
        withEntries(reordered, (p) => (meta(p).labels.app = 'z')),
      ],
      [
        'a "." alone, and a dot not first',
        withEntries(
          (e) => [
            ...e,
            { ...(e[0] as ManagedFieldsEntry), manager: 'dot', fieldsV1: fieldsV1Of({ '.': {} }) },
            {
              ...(e[0] as ManagedFieldsEntry),
              manager: 'late-dot',
              fieldsV1: fieldsV1Of({ 'f:metadata': { 'f:labels': { 'f:q': {}, '.': {} } } }),
            },
          ],
          (p) => (meta(p).labels.q = 'r'),
        ),
      ],
      [
        'an entry with no fields',
        withEntries(
          (e) => [...e, { ...(e[0] as ManagedFieldsEntry), manager: 'empty', fieldsV1: fieldsV1Of({}) }],
          (p) => (meta(p).labels.x = 'y'),
        ),
      ],
      [
        'a duplicate of the writer',
        withEntries(
          (e) => [
            ...e,
            ...e.map((x) => ({ ...x, fieldsV1: fieldsV1Of({ 'f:spec': { 'f:hostname': {} } }) })),
          ],
          (p) => (meta(p).labels.x = 'y'),
        ),
      ],
      [
        'cleared',
        withEntries(
          () => [
            {
              manager: '',
              operation: '',
              apiVersion: '',
              time: undefined,
              fieldsType: '',
              fieldsV1: undefined,
              subresource: '',
            },
          ],
          (p) => (meta(p).labels.x = 'y'),
        ),
      ],
      ['an operation that is not one', withEntries((e) => e.map((x) => ({ ...x, operation: 'Patch' })))],
      ['a fieldsType that is not one', withEntries((e) => e.map((x) => ({ ...x, fieldsType: 'FieldsV2' })))],
      [
        'a key that is not a path element',
        withEntries(
          (e) => e.map((x) => ({ ...x, fieldsV1: fieldsV1Of({ 'x:y': {} }) })),
          (p) => (meta(p).labels.x = 'y'),
        ),
      ],
      [
        'a value that is not a tree',
        withEntries((e) => e.map((x) => ({ ...x, fieldsV1: fieldsV1Of({ 'f:spec': 3 }) }))),
      ],
      [
        'text that is not JSON',
        withEntries((e) => e.map((x) => ({ ...x, fieldsV1: { raw: Buffer.from('{"f:spec":') } }))),
      ],
      [
        'an index key not in canonical form',
        withEntries((e) => [
          ...e,
          {
            ...(e[0] as ManagedFieldsEntry),
            manager: 'idx',
            fieldsV1: fieldsV1Of({ 'f:spec': { 'f:x': { 'i:01': {}, 'i:1': {} } } }),
          },
        ]),
      ],
    ];
    for (const [label, change] of cases) agree(podInfo, base, [{ manager: 'kubectl-edit', change, label }]);
  });

  it('a Deployment, its status and scale-like replicas changes', () => {
    agree(
      deploymentInfo,
      Deployment.fromPartial({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx' }] },
          },
        },
      }),
      [
        {
          manager: 'hpa',
          change: (d) => {
            if (d.spec) d.spec.replicas = 5;
          },
        },
        {
          manager: 'hpa',
          change: (d) => {
            if (d.spec) d.spec.replicas = 0;
          },
          label: 'replicas to its default',
        },
        {
          manager: 'kube-controller-manager',
          subresource: 'status',
          change: (d) => {
            d.status = Deployment.fromPartial({
              status: { replicas: 3, conditions: [{ type: 'Available', status: 'True' }] },
            }).status;
          },
        },
        {
          manager: 'kubectl-rollout',
          change: (d) => {
            const t = d.spec?.template?.metadata;
            if (t) t.annotations = { 'kubectl.kubernetes.io/restartedAt': 'now' };
          },
        },
      ],
    );
  });

  it('kinds without a status subresource, maps of bytes, nodes', () => {
    agree(
      configMapInfo,
      ConfigMap.fromPartial({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', namespace: 'default' },
        data: { a: '1' },
      }),
      [
        { manager: 'm', change: (c) => (c.data.b = '2') },
        { manager: 'n', change: (c) => (c.data = {}) },
      ],
      false,
    );
    agree(
      secretInfo,
      Secret.fromPartial({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'default' },
        data: { a: Buffer.from('x') },
      }),
      [
        { manager: 'm', change: (s) => (s.data.a = Buffer.from('y')) },
        { manager: 'm', change: (s) => (s.data.a = Buffer.from('y')), label: 'same bytes' },
      ],
      false,
    );
    agree(
      nodeInfo,
      Node.fromPartial({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n1' },
        spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] },
      }),
      [
        {
          manager: 'kubelet',
          subresource: 'status',
          change: (n) => {
            n.status = Node.fromPartial({
              status: { capacity: { cpu: '2' }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
            }).status;
          },
        },
        {
          manager: 'kubelet',
          subresource: 'status',
          change: (n) => {
            if (n.status) n.status.capacity.cpu = '4';
          },
        },
      ],
    );
  });

  it('seeded random changes to a Pod', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const managers = ['a', 'b', 'c', 'kubelet'];
    const changes: ((p: Pod) => void)[] = [
      (p) => (meta(p).labels[`l${random(4)}`] = `v${random(3)}`),
      (p) => delete meta(p).labels[`l${random(4)}`],
      (p) => (meta(p).annotations[`a${random(3)}`] = `${random(9)}`),
      (p) => (container(p).image = `img:${random(3)}`),
      (p) => container(p).env.push({ name: `E${random(5)}`, value: `${random(3)}` }),
      (p) => container(p).env.splice(random(3), 1),
      (p) =>
        (container(p).ports = [
          {
            name: '',
            containerPort: 80 + random(3),
            protocol: random(2) ? 'TCP' : '',
            hostPort: 0,
            hostIp: '',
          },
        ]),
      (p) => (meta(p).finalizers = random(2) ? ['x', 'y'] : ['y']),
      (p) => (spec(p).nodeName = random(2) ? 'node-1' : ''),
      (p) => (spec(p).activeDeadlineSeconds = random(2) ? '10' : undefined),
      (p) => {
        p.status ??= Pod.fromPartial({ status: {} }).status;
        if (p.status) p.status.phase = ['Pending', 'Running', ''][random(3)] as string;
      },
    ];
    const writes = Array.from({ length: 150 }, (_, i) => {
      const manager = managers[random(managers.length)] as string;
      const subresource = random(4) === 0 ? 'status' : '';
      const picked = [changes[random(changes.length)], changes[random(changes.length)]];
      return {
        manager,
        subresource,
        label: `random ${i}`,
        change: (p: Pod) => {
          for (const c of picked) c?.(p);
        },
      };
    });
    agree(podInfo, basePod(), writes);
  });
});
