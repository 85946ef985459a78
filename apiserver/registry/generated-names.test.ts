import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { configMapStrategy } from '../kinds/config-map/strategy.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Admit } from './admit.js';
import { GenericRegistry } from './generic-registry.js';
import type { RequestContext } from './request-context.js';

const admitAll: Admit = { mutate: async () => {}, validate: async () => {} };
const ctx: RequestContext = { user: 'tester', groups: [], dryRun: false, now: new Date() };

/** A store that refuses the first `collisions` creates as already existing, and remembers every name tried. */
function collidingStore(collisions: number) {
  const tried: string[] = [];
  const store = {
    async create(obj: ConfigMap) {
      tried.push(obj.metadata?.name ?? '');
      if (tried.length <= collisions)
        throw ApiError.alreadyExists(`configmaps "${obj.metadata?.name}" already exists`);
      return { object: obj, revision: tried.length };
    },
  };
  return { tried, store: store as unknown as ObjectStore<ConfigMap> };
}

const generated = () =>
  ConfigMap.fromPartial({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { generateName: 'web-', namespace: 'default' },
  });

test('a generated name that collides is generated again', async () => {
  const { tried, store } = collidingStore(3);
  const registry = new GenericRegistry(configMapStrategy(), store, undefined, admitAll);
  const created = await registry.create(generated(), ctx);
  assert.equal(tried.length, 4);
  assert.equal(new Set(tried).size, 4, `four different names: ${tried.join(' ')}`);
  for (const name of tried) assert.match(name, /^web-[a-z0-9]{5}$/);
  assert.equal(created.metadata?.name, tried[3]);
});

test('gives up after eight collisions, and never retries a name the client chose', async () => {
  const many = collidingStore(100);
  const registry = new GenericRegistry(configMapStrategy(), many.store, undefined, admitAll);
  await assert.rejects(
    registry.create(generated(), ctx),
    (err: ApiError) => err.code === Code.ALREADY_EXISTS,
  );
  assert.equal(many.tried.length, 8);

  const named = collidingStore(1);
  const again = new GenericRegistry(configMapStrategy(), named.store, undefined, admitAll);
  const obj = ConfigMap.fromPartial({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web', namespace: 'default' },
  });
  await assert.rejects(again.create(obj, ctx), (err: ApiError) => err.code === Code.ALREADY_EXISTS);
  assert.deepEqual(named.tried, ['web']);
});
