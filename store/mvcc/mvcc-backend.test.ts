import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBackend } from '../registry.js';
import '../drivers/index.js';

describe('MvccBackend', () => {
  it('keeps a written value in memory of its own, not the request it was a view of', async () => {
    const store = await openBackend('memory://');
    try {
      // A value as a request decoder hands it over: a view onto the whole 1 MiB message.
      const message = Buffer.alloc(1 << 20, 7);
      const created = await store.create('/registry/events/default/a', message.subarray(100, 140), 3600);
      const updated = await store
        .update('/registry/events/default/b', message.subarray(0, 1), 0)
        .catch(() => undefined);
      assert.equal(updated, undefined, 'no such key: nothing written');
      for (const kv of [created, (await store.get('/registry/events/default/a')).kv!]) {
        assert.equal(kv.value.length, 40);
        assert.equal(kv.value.buffer.byteLength, 40, 'the 1 MiB message is not kept alive');
        assert.deepEqual([...kv.value.subarray(0, 3)], [7, 7, 7]);
      }
      const again = await store.update(
        '/registry/events/default/a',
        message.subarray(5, 15),
        created.modRevision,
      );
      assert.equal(again.value.buffer.byteLength, 10);
      // A value that owns its memory is stored as it is.
      const own = Buffer.from('whole value');
      const whole = Buffer.allocUnsafeSlow(own.length);
      own.copy(whole);
      const kept = await store.create('/registry/events/default/c', whole);
      assert.equal(kept.value.buffer, whole.buffer);
    } finally {
      await store.close();
    }
  });
});
