/**
 * createdFieldsKey against the comparison it stands for: objects with the same key have
 * the same set (`compareTyped(shape, undefined, obj, scope).added`), on seeded random
 * Pods that differ in values the set ignores and in the keys and presence it does not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { kindFor, protoTypeOf } from '../kinds.js';
import { messageType } from '../manifest/schema.js';
import { createdFieldsKey } from './created-fields-key.js';
import { compareTyped, type MessageShape, typedShapeOf } from './typed-compare.js';

const shape = typedShapeOf(messageType(protoTypeOf(kindFor('v1', 'Pod') as never))) as MessageShape;

type PodSpec = NonNullable<Pod['spec']>;
type Container = PodSpec['containers'][number];
const spec = (p: Pod) => p.spec as PodSpec;

/**
 * A Pod whose every value is drawn at random but whose shape (which fields are present,
 * map and list keys) is the template's but for a few rare departures: many pods share a
 * key, and the departures are the edge cases.
 */
function randomPod(random: (n: number) => number, i: number): Pod {
  const rare = () => random(12) === 0;
  const containers: Container[] = [];
  for (let c = 0; c < (rare() ? 2 : 1); c++) {
    containers.push({
      name: rare() ? 'd' : `c${c}`,
      image: rare() ? '' : `img:${random(50)}`,
      ports: Array.from({ length: rare() ? 2 : 1 }, () => ({
        name: rare() ? 'p' : '',
        containerPort: rare() ? 81 : 80,
        protocol: rare() ? (['TCP', 'UDP'][random(2)] as string) : '',
        hostPort: rare() ? 1 + random(50) : 0,
        hostIp: '',
      })),
      env: rare() ? [] : [{ name: rare() ? 'F' : 'E', value: rare() ? '' : `${random(50)}` }],
      stdin: rare(),
      securityContext: rare() ? ({} as Container['securityContext']) : undefined,
    } as Partial<Container> as Container);
  }
  const labels: Record<string, string> = { app: `a${random(50)}` };
  if (rare()) labels[`l${random(2)}`] = `${random(50)}`;
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `p-${i}`,
      uid: `u-${i}`,
      generateName: rare() ? '' : 'p-',
      labels,
      finalizers: rare() ? ['f', ...(random(2) ? ['f'] : ['g'])] : [],
      ownerReferences: rare()
        ? []
        : [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${i}`, uid: `rs-${rare() ? 1 : 0}` }],
    },
    spec: { containers, nodeName: rare() ? `n${random(50)}` : '' },
    status: rare() ? undefined : { phase: rare() ? '' : 'Running', podIp: `${random(50)}` },
  });
}

describe('createdFieldsKey', () => {
  it('equal keys, equal created sets', () => {
    const random = seeded(11);
    for (const scope of [
      { subresource: '', hasStatus: true },
      { subresource: '', hasStatus: false },
      { subresource: 'status', hasStatus: true },
    ]) {
      const byKey = new Map<string, string>();
      const sets = new Set<string>();
      for (let i = 0; i < 1500; i++) {
        const pod = randomPod(random, i);
        const key = createdFieldsKey(shape, pod, scope);
        const set = compareTyped(shape, undefined, pod, scope).added.toFieldsV1Text();
        const seenSet = byKey.get(key);
        if (seenSet !== undefined) assert.equal(set, seenSet, `pod ${i}: one key, two sets`);
        byKey.set(key, set);
        sets.add(set);
      }
      // Values the set ignores made many pods alike: the memo has something to share. (Items
      // or map keys in another order make another key for the same set: only a miss.)
      assert.ok(byKey.size < 750, `${byKey.size} keys`);
      assert.ok(sets.size > (scope.subresource === 'status' ? 2 : 100), `${sets.size} sets`);
    }
  });

  it('tells apart a map key, a list key and a duplicate from one another', () => {
    const base = () =>
      Pod.fromPartial({
        metadata: { labels: { a: '1' } },
        spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
      });
    const key = (p: Pod) => createdFieldsKey(shape, p, { subresource: '', hasStatus: true });
    const relabelled = base();
    relabelled.metadata = { ...(relabelled.metadata as NonNullable<Pod['metadata']>), labels: { b: '1' } };
    const renamed = base();
    (spec(renamed).containers[0] as Container).name = 'd';
    const twice = base();
    const ports = (spec(twice).containers[0] as Container).ports;
    ports.push({ ...(ports[0] as Container['ports'][number]) });
    const revalued = base();
    (revalued.metadata as NonNullable<Pod['metadata']>).labels.a = '2';
    const keys = [key(base()), key(relabelled), key(renamed), key(twice)];
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(key(revalued), key(base()), 'a label value is no part of the set');
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
