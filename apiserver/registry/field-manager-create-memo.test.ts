/**
 * Creates through one field manager, whose memo carries every create's fields over to the
 * next, against the reference (manifest JSON compared, nothing memoised): the same
 * managedFields, byte for byte, for objects that differ from one another only in what
 * the memo must tell apart (a map key, a list item key, a value at its default, an empty
 * message, a duplicate key) and for seeded random Pods drawn from small pools, so that
 * most creates are served from the memo.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import { type KindInfo, kindFor } from '../../sdk/kinds.js';
import { createFieldManager, type FieldManager } from './field-manager.js';
import { CreateMemo } from './field-manager-create-memo.js';
import type { RequestContext } from './request-context.js';

const podInfo = kindFor('v1', 'Pod') as KindInfo;
const configMapInfo = kindFor('v1', 'ConfigMap') as KindInfo;

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

/** A memoising field manager and its reference, and the texts the memoising one handed out. */
function pair(info: KindInfo) {
  const memoised = createFieldManager(info, true);
  const reference = createFieldManager(info, true, { manifestComparison: true });
  const raws: Buffer[] = [];
  const create = (fm: FieldManager, o: KindObject, manager: string, step: number) => {
    const obj = copy(info, o);
    fm.recordUpdate(obj, undefined, ctx(manager, step), '');
    return obj.metadata?.managedFields ?? [];
  };
  let step = 0;
  return {
    raws,
    /** Creates `o` through both; asserts they agree. */
    check(o: KindObject, label: string, manager = 'creator') {
      step++;
      const got = create(memoised, o, manager, step);
      const want = create(reference, o, manager, step);
      const text = (entries: typeof got) =>
        JSON.stringify(
          entries.map((e) => ({ ...e, time: e.time?.toISOString(), fieldsV1: e.fieldsV1?.raw.toString() })),
        );
      // Not assert.equal: its diff of two long texts takes minutes.
      if (text(got) !== text(want)) assert.fail(`${label}:\n${text(got)}\nwanted\n${text(want)}`);
      for (const e of got) if (e.fieldsV1) raws.push(e.fieldsV1.raw);
    },
  };
}

/** How many of the texts handed out were one already handed out: creates the memo served. */
function shared(raws: readonly Buffer[]): number {
  return raws.length - new Set(raws).size;
}

function templatePod(): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-abcde',
      generateName: 'web-',
      namespace: 'default',
      uid: 'u-1',
      creationTimestamp: new Date(t0),
      labels: { app: 'web', 'pod-template-hash': '7d9c' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9c', uid: 'rs-1', controller: true },
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
        },
      ],
      tolerations: [{ key: 'k', operator: 'Exists' }],
      terminationGracePeriodSeconds: '30',
    },
  });
}

type PodMeta = NonNullable<Pod['metadata']>;
type PodSpec = NonNullable<Pod['spec']>;
type Container = PodSpec['containers'][number];
const meta = (p: Pod) => p.metadata as PodMeta;
const spec = (p: Pod) => p.spec as PodSpec;
const container = (p: Pod, i = 0) => spec(p).containers[i] as Container;

/** A container as fromPartial completes it (every list and map there), for its parts. */
function wholeContainer(c: object): Container {
  return spec(Pod.fromPartial({ spec: { containers: [c] } } as Parameters<typeof Pod.fromPartial>[0]))
    .containers[0] as Container;
}
const emptySecurityContext = () => wholeContainer({ securityContext: {} }).securityContext;

/** Variants of the template, each to be created after the template itself. */
const variants: readonly [string, (p: Pod) => void][] = [
  [
    'another name, uid and time only',
    (p) => {
      meta(p).name = 'web-fghij';
      meta(p).uid = 'u-2';
      meta(p).creationTimestamp = new Date(t0 + 5_000);
    },
  ],
  ['a label value', (p) => (meta(p).labels.app = 'api')],
  [
    'a label key',
    (p) => {
      meta(p).labels = { app: 'web', 'pod-template-hash2': '7d9c' };
    },
  ],
  [
    'a label key that is a prefix of another',
    (p) => {
      meta(p).labels = { ap: 'web', 'pod-template-hash': '7d9c' };
    },
  ],
  [
    'an owner uid (a list key)',
    (p) => {
      (meta(p).ownerReferences[0] as PodMeta['ownerReferences'][number]).uid = 'rs-2';
    },
  ],
  [
    'an owner name only',
    (p) => {
      (meta(p).ownerReferences[0] as PodMeta['ownerReferences'][number]).name = 'web-other';
    },
  ],
  ['a container name (a list key)', (p) => (container(p).name = 'api')],
  [
    'a port protocol given as its default',
    (p) => {
      container(p).ports = [
        { ...(container(p).ports[0] as Container['ports'][number]), protocol: 'TCP' },
        container(p).ports[1] as Container['ports'][number],
      ];
    },
  ],
  [
    'a port protocol changed (a key)',
    (p) => {
      (container(p).ports[0] as Container['ports'][number]).protocol = 'SCTP';
    },
  ],
  [
    'a port number (a key)',
    (p) => {
      (container(p).ports[0] as Container['ports'][number]).containerPort = 8080;
    },
  ],
  [
    'duplicate ports: the list owned whole',
    (p) => {
      container(p).ports.push({ ...(container(p).ports[0] as Container['ports'][number]) });
    },
  ],
  ['an env name (a key)', (p) => ((container(p).env[0] as Container['env'][number]).name = 'B')],
  ['an env value unset', (p) => ((container(p).env[0] as Container['env'][number]).value = '')],
  ['an image at its default (empty)', (p) => (container(p).image = '')],
  ['a bool set', (p) => (container(p).stdin = true)],
  [
    'a number at its default (0)',
    (p) => {
      (container(p).ports[0] as Container['ports'][number]).hostPort = 0;
    },
  ],
  [
    'a number set',
    (p) => {
      (container(p).ports[0] as Container['ports'][number]).hostPort = 8080;
    },
  ],
  ['an empty message', (p) => (container(p).securityContext = emptySecurityContext())],
  ['an optional unset', (p) => (spec(p).terminationGracePeriodSeconds = undefined)],
  ['an optional at zero', (p) => (spec(p).terminationGracePeriodSeconds = '0')],
  [
    'a resource name (a map key)',
    (p) => {
      container(p).resources = wholeContainer({ resources: { requests: { memory: '100Mi' } } }).resources;
    },
  ],
  ['a set item (finalizer)', (p) => (meta(p).finalizers = ['example.com/a'])],
  ['another set item', (p) => (meta(p).finalizers = ['example.com/b'])],
  ['duplicate set items', (p) => (meta(p).finalizers = ['example.com/a', 'example.com/a'])],
  ['an atomic list item', (p) => ((spec(p).tolerations[0] as PodSpec['tolerations'][number]).key = 'other')],
  [
    'a second container',
    (p) => spec(p).containers.push({ ...container(p), name: 'side', env: [], ports: [] }),
  ],
  [
    'containers swapped',
    (p) => {
      spec(p).containers = [{ ...container(p), name: 'side', env: [], ports: [] }, container(p)];
    },
  ],
  [
    "status (not the main resource's)",
    (p) => (p.status = Pod.fromPartial({ status: { phase: 'Running' } }).status),
  ],
  [
    'managedFields given: not memoised',
    (p) => {
      meta(p).managedFields = [
        {
          manager: 'someone',
          operation: 'Update',
          apiVersion: 'v1',
          time: new Date(t0),
          fieldsType: 'FieldsV1',
          fieldsV1: { raw: Buffer.from('{"f:metadata":{"f:labels":{"f:app":{}}}}') },
          subresource: '',
        },
      ];
    },
  ],
];

describe('field manager: creates memoised', () => {
  it('the memo keeps the most recently used keys, up to its size', () => {
    const memo = new CreateMemo(2);
    memo.set('a', Buffer.from('{}'));
    memo.set('b', null);
    assert.equal(memo.get('a')?.toString(), '{}');
    memo.set('c', Buffer.from('{"f:x":{}}'));
    assert.equal(memo.size, 2);
    assert.equal(memo.get('b'), undefined, 'the least recently used went');
    assert.equal(memo.get('a')?.toString(), '{}');
    assert.equal(memo.get('c')?.toString(), '{"f:x":{}}');
  });

  it('a template and each variant of it, created in turn, agree with the reference', () => {
    const p = pair(podInfo);
    for (const [label, change] of variants) {
      p.check(templatePod(), 'template');
      const pod = templatePod();
      change(pod);
      p.check(pod, label);
      p.check(pod, `${label}, again`, 'another-manager');
    }
    // The template came back from the memo at least once per variant.
    assert.ok(shared(p.raws) >= variants.length, `${shared(p.raws)} creates served from the memo`);
  });

  it('a ConfigMap whose data differs in a key or a value', () => {
    const p = pair(configMapInfo);
    const cm = (data: Record<string, string>) =>
      ConfigMap.fromPartial({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', namespace: 'd' },
        data,
      });
    p.check(cm({ a: '1' }), 'first');
    p.check(cm({ a: '2' }), 'a value');
    p.check(cm({ b: '1' }), 'a key');
    p.check(cm({ a: '1', b: '1' }), 'a key more');
    p.check(cm({ b: '1', a: '1' }), 'the same keys, another order');
    p.check(cm({}), 'no data');
    p.check(ConfigMap.fromPartial({ apiVersion: 'v1', kind: 'ConfigMap' }), 'no metadata');
    assert.ok(shared(p.raws) >= 1);
  });

  it('seeded random Pods from small pools', () => {
    const random = seeded(7);
    const p = pair(podInfo);
    for (let i = 0; i < 600; i++) {
      const pod = templatePod();
      meta(pod).name = `web-${i}`;
      meta(pod).uid = `u-${i}`;
      if (random(3) === 0) meta(pod).labels[`l${random(3)}`] = `v${random(9)}`;
      if (random(4) === 0)
        (meta(pod).ownerReferences[0] as PodMeta['ownerReferences'][number]).uid = `rs-${random(3)}`;
      if (random(4) === 0) container(pod).name = `c${random(2)}`;
      if (random(4) === 0) {
        (container(pod).ports[0] as Container['ports'][number]).protocol = ['', 'TCP', 'UDP'][
          random(3)
        ] as string;
      }
      if (random(5) === 0) (container(pod).ports[1] as Container['ports'][number]).containerPort = 80;
      if (random(4) === 0) (container(pod).env[0] as Container['env'][number]).value = random(2) ? '' : 'x';
      if (random(5) === 0) meta(pod).finalizers = random(2) ? ['f'] : ['f', 'f'];
      if (random(5) === 0) spec(pod).nodeName = random(2) ? 'node-1' : '';
      if (random(6) === 0) container(pod).securityContext = emptySecurityContext();
      p.check(pod, `pod ${i}`, `m${random(2)}`);
    }
    assert.ok(shared(p.raws) > 300, `${shared(p.raws)} of 600 creates served from the memo`);
  });
});

/** A seeded random integer below n (mulberry32: every bit of it varies, not only the high ones). */
function seeded(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n) | 0;
  };
}
