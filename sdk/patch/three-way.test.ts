import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyStrategicMergePatch,
  deepEqual,
  type Json,
  type JsonObject,
  PatchError,
} from './strategic-merge.js';
import { createThreeWayMergePatch, createTwoWayMergePatch } from './three-way.js';

const deployment = (spec: JsonObject, metadata: JsonObject = {}): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...metadata },
  spec,
});
const template = (containers: JsonObject[], extra: JsonObject = {}): JsonObject => ({
  selector: { matchLabels: { app: 'web' } },
  template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } },
});

/** What apply does: the patch from the three objects, applied to the live one. */
function apply(original: JsonObject | undefined, modified: JsonObject, current: JsonObject) {
  const patch = createThreeWayMergePatch('Deployment', original, modified, current);
  return { patch, result: applyStrategicMergePatch('Deployment', current, patch) };
}

describe('createThreeWayMergePatch', () => {
  it("changes one container's image and leaves the other, and fields others set, untouched", () => {
    const original = deployment(
      template([
        { name: 'web', image: 'nginx:1.25' },
        { name: 'log', image: 'busybox' },
      ]),
    );
    const modified = deployment(
      template([
        { name: 'web', image: 'nginx:1.27' },
        { name: 'log', image: 'busybox' },
      ]),
    );
    const current = deployment({
      ...template([
        { name: 'web', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent' },
        { name: 'log', image: 'busybox', imagePullPolicy: 'Always' },
      ]),
      replicas: 5,
    });
    const { patch, result } = apply(original, modified, current);
    // What kubectl sends for this change.
    assert.deepEqual(patch, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }],
            containers: [{ name: 'web', image: 'nginx:1.27' }],
          },
        },
      },
    });
    assert.deepEqual(
      result,
      deployment({
        ...template([
          { name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' },
          { name: 'log', image: 'busybox', imagePullPolicy: 'Always' },
        ]),
        replicas: 5,
      }),
    );
  });

  it('deletes a field removed from the manifest and keeps one a controller set (replicas, a label)', () => {
    const original = deployment(template([{ name: 'web', image: 'nginx' }], { hostname: 'h' }), {
      labels: { app: 'web', tier: 'front' },
    });
    const modified = deployment(template([{ name: 'web', image: 'nginx' }]), { labels: { app: 'web' } });
    const current = deployment(
      { ...template([{ name: 'web', image: 'nginx' }], { hostname: 'h' }), replicas: 7 },
      { labels: { app: 'web', tier: 'front', 'example.com/owner': 'ops' } },
    );
    const { patch, result } = apply(original, modified, current);
    assert.deepEqual(patch, {
      metadata: { labels: { tier: null } },
      spec: { template: { spec: { hostname: null } } },
    });
    assert.deepEqual(
      result,
      deployment(
        { ...template([{ name: 'web', image: 'nginx' }]), replicas: 7 },
        { labels: { app: 'web', 'example.com/owner': 'ops' } },
      ),
    );
  });

  it('deletes spec.replicas when the manifest that set it no longer does', () => {
    const original = deployment({ ...template([{ name: 'web' }]), replicas: 3 });
    const modified = deployment(template([{ name: 'web' }]));
    const current = deployment({ ...template([{ name: 'web' }]), replicas: 5 });
    assert.deepEqual(apply(original, modified, current).result, deployment(template([{ name: 'web' }])));
  });

  it('deletes a container removed from the manifest with $patch: delete; an injected one stays', () => {
    const original = deployment(template([{ name: 'web' }, { name: 'log' }]));
    const modified = deployment(template([{ name: 'web' }]));
    const current = deployment(template([{ name: 'web' }, { name: 'log' }, { name: 'mesh-proxy' }]));
    const { patch, result } = apply(original, modified, current);
    assert.deepEqual(patch, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }],
            containers: [{ name: 'log', $patch: 'delete' }],
          },
        },
      },
    });
    assert.deepEqual(result, deployment(template([{ name: 'web' }, { name: 'mesh-proxy' }])));
  });

  it('deletes an env var removed from one container by name', () => {
    const env = (...names: string[]) => names.map((name) => ({ name, value: name.toLowerCase() }));
    const original = deployment(template([{ name: 'web', env: env('A', 'B') }]));
    const modified = deployment(template([{ name: 'web', env: env('A') }]));
    const current = deployment(template([{ name: 'web', env: env('A', 'B', 'INJECTED') }]));
    assert.deepEqual(
      apply(original, modified, current).result,
      deployment(template([{ name: 'web', env: env('A', 'INJECTED') }])),
    );
  });

  it('removes a finalizer the manifest dropped and keeps the one a controller added', () => {
    const original = deployment(template([{ name: 'web' }]), {
      finalizers: ['example.com/a', 'example.com/b'],
    });
    const modified = deployment(template([{ name: 'web' }]), { finalizers: ['example.com/b'] });
    const current = deployment(template([{ name: 'web' }]), {
      finalizers: ['example.com/a', 'example.com/b', 'example.com/controller'],
    });
    const { patch, result } = apply(original, modified, current);
    assert.deepEqual(patch, {
      metadata: {
        '$deleteFromPrimitiveList/finalizers': ['example.com/a'],
        '$setElementOrder/finalizers': ['example.com/b'],
      },
    });
    assert.deepEqual(
      result,
      deployment(template([{ name: 'web' }]), { finalizers: ['example.com/b', 'example.com/controller'] }),
    );
  });

  it('switches a volume source with $retainKeys', () => {
    const volumes = (source: JsonObject) => ({ volumes: [{ name: 'data', ...source }] });
    const original = deployment(template([{ name: 'web' }], volumes({ emptyDir: {} })));
    const modified = deployment(template([{ name: 'web' }], volumes({ hostPath: { path: '/srv' } })));
    const { patch, result } = apply(original, modified, original);
    const podSpec = ((patch.spec as JsonObject).template as JsonObject).spec as JsonObject;
    assert.deepEqual(podSpec.volumes, [
      { name: 'data', emptyDir: null, hostPath: { path: '/srv' }, $retainKeys: ['hostPath', 'name'] },
    ]);
    assert.deepEqual(result, modified);
  });

  it('switches a deployment strategy with $retainKeys, dropping what the server defaulted', () => {
    const original = deployment({ ...template([{ name: 'web' }]), strategy: { type: 'RollingUpdate' } });
    const modified = deployment({ ...template([{ name: 'web' }]), strategy: { type: 'Recreate' } });
    const current = deployment({
      ...template([{ name: 'web' }]),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    assert.deepEqual(apply(original, modified, current).result, modified);
  });

  it('on the first apply deletes nothing', () => {
    const modified = deployment(template([{ name: 'web', image: 'nginx' }]));
    const current = deployment({ ...template([{ name: 'web', image: 'httpd', imagePullPolicy: 'Always' }]) });
    assert.deepEqual(
      apply(undefined, modified, current).result,
      deployment(template([{ name: 'web', image: 'nginx', imagePullPolicy: 'Always' }])),
    );
  });

  it('without overwrite refuses to change a field that was changed live since the last apply', () => {
    const original = deployment({ ...template([{ name: 'web' }]), replicas: 3 });
    const current = deployment({ ...template([{ name: 'web' }]), replicas: 5 });
    const modified = deployment({ ...template([{ name: 'web' }]), replicas: 4 });
    assert.throws(
      () => createThreeWayMergePatch('Deployment', original, modified, current, { overwrite: false }),
      (err: unknown) =>
        err instanceof PatchError && err.path === 'spec.replicas' && /overwrite/.test(err.message),
    );
    assert.deepEqual(
      createThreeWayMergePatch('Deployment', original, modified, current, { overwrite: true }),
      {
        spec: { replicas: 4 },
      },
    );
    // Agreeing with the live change, or changing something else, is no conflict.
    const agreeing = deployment({ ...template([{ name: 'web' }]), replicas: 5 });
    assert.deepEqual(
      createThreeWayMergePatch('Deployment', original, agreeing, current, { overwrite: false }),
      {},
    );
    const labelled = deployment({ ...template([{ name: 'web' }]), replicas: 3 }, { labels: { live: 'yes' } });
    const elsewhere = deployment({ ...template([{ name: 'web', image: 'x' }]), replicas: 3 });
    assert.doesNotThrow(() =>
      createThreeWayMergePatch('Deployment', original, elsewhere, labelled, { overwrite: false }),
    );
  });

  it('without overwrite a list of primitives changed to the same values in another order is no conflict', () => {
    const original = deployment(template([{ name: 'web', args: ['a'] }]));
    const current = deployment(template([{ name: 'web', args: ['b', 'c'] }]));
    const modified = deployment(template([{ name: 'web', args: ['c', 'b'] }]));
    assert.doesNotThrow(() =>
      createThreeWayMergePatch('Deployment', original, modified, current, { overwrite: false }),
    );
    const other = deployment(template([{ name: 'web', args: ['c'] }]));
    assert.throws(
      () => createThreeWayMergePatch('Deployment', original, other, current, { overwrite: false }),
      (err: unknown) =>
        err instanceof PatchError && err.path === 'spec.template.spec.containers[name=web].args',
    );
  });

  it('without overwrite refuses to delete a container whose image was changed live', () => {
    const original = deployment(template([{ name: 'web', image: 'a' }, { name: 'log' }]));
    const current = deployment(template([{ name: 'web', image: 'b' }, { name: 'log' }]));
    const modified = deployment(template([{ name: 'log' }]));
    assert.throws(
      () => createThreeWayMergePatch('Deployment', original, modified, current, { overwrite: false }),
      (err: unknown) => err instanceof PatchError && err.path === 'spec.template.spec.containers[name=web]',
    );
  });
});

describe('createTwoWayMergePatch', () => {
  it('sends a reordered merging list as a $setElementOrder list only', () => {
    const from = deployment(template([{ name: 'a' }, { name: 'b' }]), { finalizers: ['x', 'y'] });
    const to = deployment(template([{ name: 'b' }, { name: 'a' }]), { finalizers: ['y', 'x'] });
    assert.deepEqual(createTwoWayMergePatch('Deployment', from, to), {
      metadata: { '$setElementOrder/finalizers': ['y', 'x'] },
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } } },
    });
  });

  it('names the element that lacks its merge key', () => {
    assert.throws(
      () =>
        createTwoWayMergePatch(
          'Deployment',
          deployment(template([{ name: 'a' }])),
          deployment(template([{ name: 'a' }, { image: 'nameless' }])),
        ),
      (err: unknown) =>
        err instanceof PatchError &&
        err.path === 'spec.template.spec.containers[1]' &&
        /has no name/.test(err.message),
    );
  });
});

/** A small deterministic random source (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const chance = (p: number) => next() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  /** A random subset in random order. */
  const some = <T>(items: readonly T[], min = 0): T[] => {
    const shuffled = [...items].sort(() => next() - 0.5);
    return shuffled.slice(0, min + Math.floor(next() * (items.length - min + 1)));
  };
  return { chance, pick, some };
}

type Random = ReturnType<typeof random>;

/** A random Pod manifest over small pools of names, so that two of them overlap. */
function randomPod(r: Random, from?: JsonObject): JsonObject {
  const keep = <T extends Json>(key: string, make: () => T, holder?: JsonObject): T =>
    holder && key in holder && r.chance(0.6) ? (structuredClone(holder[key]) as T) : make();
  const oldMeta = from?.metadata as JsonObject | undefined;
  const oldSpec = from?.spec as JsonObject | undefined;
  const metadata: JsonObject = {
    name: 'p',
    labels: keep(
      'labels',
      () =>
        Object.fromEntries([
          ['app', 'x'],
          ...r.some(['tier', 'team', 'env']).map((k) => [k, r.pick(['a', 'b'])]),
        ]),
      oldMeta,
    ),
  };
  if (r.chance(0.5))
    metadata.annotations = keep('annotations', () => ({ note: r.pick(['1', '2']) }), oldMeta);
  if (r.chance(0.5)) metadata.finalizers = keep('finalizers', () => r.some(['f/a', 'f/b', 'f/c']), oldMeta);
  const oldContainers = new Map(
    ((oldSpec?.containers as JsonObject[] | undefined) ?? []).map((c) => [c.name as string, c]),
  );
  const containers = r.some(['a', 'b', 'c', 'd'], 1).map((name): JsonObject => {
    const old = oldContainers.get(name);
    if (old && r.chance(0.5)) return structuredClone(old);
    const c: JsonObject = { name, image: keep('image', () => r.pick(['nginx', 'redis', 'busybox']), old) };
    if (r.chance(0.5)) {
      c.env = keep(
        'env',
        () => r.some(['A', 'B', 'C']).map((n) => ({ name: n, value: r.pick(['1', '2']) })),
        old,
      );
    }
    if (r.chance(0.4)) {
      c.ports = keep(
        'ports',
        () =>
          r
            .some([80, 443, 8080])
            .map(
              (p): JsonObject => (r.chance(0.5) ? { containerPort: p, name: `p${p}` } : { containerPort: p }),
            ),
        old,
      );
    }
    if (r.chance(0.3)) c.args = keep('args', () => r.some(['-v', '--x', 'run']), old);
    if (r.chance(0.3))
      c.volumeMounts = keep(
        'volumeMounts',
        () => r.some(['/d', '/e']).map((m) => ({ mountPath: m, name: 'v1' })),
        old,
      );
    return c;
  });
  const spec: JsonObject = { containers };
  if (r.chance(0.4))
    spec.nodeSelector = keep('nodeSelector', () => ({ disk: r.pick(['ssd', 'hdd']) }), oldSpec);
  if (r.chance(0.3)) {
    spec.tolerations = keep(
      'tolerations',
      () => r.some(['k1', 'k2']).map((key) => ({ key, operator: 'Exists' })),
      oldSpec,
    );
  }
  if (r.chance(0.4)) {
    spec.volumes = keep(
      'volumes',
      () =>
        r
          .some(['v1', 'v2'])
          .map(
            (name): JsonObject =>
              r.chance(0.5) ? { name, emptyDir: {} } : { name, hostPath: { path: `/${name}` } },
          ),
      oldSpec,
    );
  }
  if (r.chance(0.3)) spec.restartPolicy = r.pick(['Always', 'Never']);
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

/** What the cluster adds to a Pod that no manifest sets. */
function withServerFields(pod: JsonObject): JsonObject {
  const live = structuredClone(pod);
  const metadata = live.metadata as JsonObject;
  metadata.uid = 'u-1';
  (metadata.labels as JsonObject)['server/hash'] = 'h';
  const spec = live.spec as JsonObject;
  spec.nodeName = 'node-1';
  (spec.containers as JsonObject[]).push({ name: 'injected', image: 'proxy' });
  live.status = { phase: 'Running' };
  return live;
}

function withoutServerFields(pod: JsonObject): JsonObject {
  const out = structuredClone(pod);
  const metadata = out.metadata as JsonObject;
  delete metadata.uid;
  delete (metadata.labels as JsonObject)['server/hash'];
  const spec = out.spec as JsonObject;
  delete spec.nodeName;
  spec.containers = (spec.containers as JsonObject[]).filter((c) => c.name !== 'injected');
  delete out.status;
  return out;
}

describe('random edits', () => {
  /** Fails with the patch in the message; checked cheaply first, as most cases pass. */
  const expectEqual = (actual: Json, expected: Json, why: () => string) => {
    if (!deepEqual(actual, expected)) assert.deepEqual(actual, expected, why());
  };

  it('applying createTwoWayMergePatch(a, b) to a yields b', () => {
    const r = random(20261205);
    for (let i = 0; i < 500; i++) {
      const a = randomPod(r);
      const b = randomPod(r, r.chance(0.7) ? a : undefined);
      const patch = createTwoWayMergePatch('Pod', a, b);
      expectEqual(
        applyStrategicMergePatch('Pod', a, patch),
        b,
        () => `case ${i}: patch ${JSON.stringify(patch)}`,
      );
      expectEqual(createTwoWayMergePatch('Pod', b, b), {}, () => `case ${i}: no change, no patch`);
    }
  });

  it('apply turns the live object into the manifest and keeps what the server added', () => {
    const r = random(7);
    for (let i = 0; i < 400; i++) {
      const lastApplied = randomPod(r);
      const modified = randomPod(r, r.chance(0.7) ? lastApplied : undefined);
      const live = withServerFields(lastApplied);
      const patch = createThreeWayMergePatch('Pod', lastApplied, modified, live);
      const result = applyStrategicMergePatch('Pod', live, patch);
      const why = () => `case ${i}: patch ${JSON.stringify(patch)}`;
      expectEqual(withoutServerFields(result), modified, why);
      // Putting the server's fields back yields the result: apply kept every one of them.
      const restored = withServerFields(withoutServerFields(result));
      const containers = (result.spec as JsonObject).containers as JsonObject[];
      const injected = containers.findIndex((c) => c.name === 'injected');
      assert.ok(injected >= 0, why());
      containers.push(...containers.splice(injected, 1));
      expectEqual(result, restored, why);
    }
  });
});
