import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, Code } from '../sdk/errors.js';
import type { ConfigMap } from '../sdk/gen/wheelhouse/core/v1/config_map.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';
import { type WatchReader, watch } from '../test/watch.js';

describe('apiserver: watch timeoutSeconds', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ captureOutput: true });
  });
  after(() => cluster.stop());

  const create = (name: string) =>
    call(cluster.client('configmaps'), 'createConfigMap', {
      configMap: { metadata: { name, namespace: 'default' }, data: { k: 'v' } },
    });
  const watchWith = (timeoutSeconds: string) =>
    watch<ConfigMap>(cluster.client('configmaps'), 'watchConfigMaps', {
      namespace: 'default',
      options: { timeoutSeconds },
    });
  const added = (w: WatchReader<ConfigMap>, name: string) =>
    w.until((events) => events.some((e) => e.type === 'ADDED' && e.object.metadata?.name === name));

  test('timeouts beyond what a timer holds (2147484 s, int64 max) keep the watch open', async () => {
    const watches = ['2147483', '2147484', '9223372036854775807'].map((t) => ({ t, w: watchWith(t) }));
    try {
      // Started (their timers set), then given a second: an overflowed timer fires at once.
      for (const { w } of watches) await w.started();
      await sleep(1_200);
      assert.doesNotMatch(cluster.output(), /TimeoutOverflowWarning/);
      for (const { t, w } of watches) {
        assert.equal(w.ended, false, `the watch with timeoutSeconds ${t} ended: ${w.error?.message ?? 'OK'}`);
      }
      await create('after-a-second');
      for (const { w } of watches) await added(w, 'after-a-second');
      for (const { t, w } of watches) assert.equal(w.ended, false, `timeoutSeconds ${t}`);
    } finally {
      for (const { w } of watches) w.cancel();
    }
    assert.doesNotMatch(cluster.output(), /TimeoutOverflowWarning/);
  });

  test('a negative timeout is INVALID_ARGUMENT naming the field', async () => {
    for (const t of ['-1', '-9223372036854775808']) {
      const err = await watchWith(t).end();
      assert.ok(err instanceof ApiError, `timeoutSeconds ${t}: expected an error`);
      assert.equal(Code[err.code], Code[Code.INVALID_ARGUMENT], err.message);
      assert.equal(err.message, `timeoutSeconds: Invalid value: ${t}: must be >= 0`);
    }
  });

  test('a timeout of 1 s ends the watch after about a second, without an error', async () => {
    const started = Date.now();
    const w = watchWith('1');
    // No event is awaited: on a loaded host a create and its event can take longer than the
    // timeout, which is not what this test is about.
    await w.started();
    const err = await w.end(20_000);
    const took = Date.now() - started;
    assert.equal(err, undefined, err?.message);
    // Not before the timeout; the upper bound tells a second from a minute, with room for a
    // loaded machine.
    assert.ok(took >= 900 && took < 10_000, `ended after ${took} ms`);
  });

  test('no timeout (0) keeps the watch open', async () => {
    const w = watchWith('0');
    try {
      await w.started();
      await sleep(1_200);
      assert.equal(w.ended, false);
      await create('no-timeout');
      await added(w, 'no-timeout');
    } finally {
      w.cancel();
    }
  });
});
