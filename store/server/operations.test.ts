import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import '../drivers/index.js';
import { openBackend } from '../registry.js';
import { type Backend, type Event, StoreError } from '../types.js';
import { createOperations, type WriteOperation } from './operations.js';

/** The same backend as a driver without the optional callback path would offer it. */
function withoutWritePath(backend: Backend): Backend {
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'write') return undefined;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function written(ops: ReturnType<typeof createOperations>, op: WriteOperation) {
  return new Promise<{ err: unknown; event?: Event }>((resolve) =>
    ops.write(op, (err, event) => resolve({ err, event })),
  );
}

for (const [name, wrap] of [
  ['the backend callback path', (b: Backend) => b],
  ['a backend with promise writes only', withoutWritePath],
] as const) {
  describe(`store operations through ${name}`, () => {
    it('writes through `write` and the unary methods alike, refusals included', async () => {
      const backend = await openBackend('memory://');
      try {
        const ops = createOperations(wrap(backend));
        const value = Buffer.from('v');
        const created = await written(ops, { $case: 'create', value: { key: '/a', value, ttlSeconds: '0' } });
        assert.deepEqual([created.event?.type, created.event?.kv.modRevision], ['put', 1]);
        const updated = await ops.update({ key: '/a', value, expectedModRevision: '1', ttlSeconds: '0' });
        assert.deepEqual(
          [updated.kv?.modRevision, updated.kv?.version, updated.kv?.value.length],
          ['2', '2', 0],
        );
        const badTtl = await written(ops, { $case: 'create', value: { key: '/b', value, ttlSeconds: '-1' } });
        assert.ok(badTtl.err instanceof StoreError);
        assert.equal(badTtl.err.storeReason, 'InvalidArgument');
        await assert.rejects(ops.delete({ key: '/a', expectedModRevision: '1' }), /conflict|mod revision/i);
        const deleted = await written(ops, {
          $case: 'delete',
          value: { key: '/a', expectedModRevision: '2' },
        });
        assert.deepEqual(
          [deleted.event?.type, deleted.event?.kv.modRevision, deleted.event?.prevKv?.modRevision],
          ['delete', 3, 2],
        );
        const gone = await ops.create({ key: '/a', value, ttlSeconds: '0' });
        assert.deepEqual([gone.kv?.createRevision, gone.kv?.version], ['4', '1']);
      } finally {
        await backend.close();
      }
    });
  });
}
