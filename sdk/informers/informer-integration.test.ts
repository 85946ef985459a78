/**
 * An informer through a real store and apiserver while the apiserver is SIGKILLed and
 * restarted and its watch streams are cut, with writers running throughout: afterwards
 * its cache equals a fresh list, its handlers saw every acknowledged change exactly
 * once and in order, and it never had to list again (nothing was compacted).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { until } from '../../test/until.js';
import { Backoff } from '../backoff.js';
import { createApiClient } from '../client/dynamic-client.js';
import { connectionFor } from '../client/index.js';
import { ApiError, Code } from '../errors.js';
import type { ConfigMap } from '../gen/wheelhouse/core/v1/config_map.js';
import { ConfigMap as ConfigMapFns } from '../gen/wheelhouse/core/v1/config_map.js';
import { resolveResource } from '../kinds.js';
import { listWatchOf } from './list-watch.js';
import { SharedInformer } from './shared-informer.js';
import { DeletedFinalStateUnknown, keyOf, type ListerWatcher } from './types.js';

const RESTARTS = Number(process.env.INFORMER_TEST_RESTARTS ?? 20);
// Past the first few, restarts stop once they have taken this long: one takes about a second
// on a quiet machine but up to 14 s at load ~20, and the whole file must end well within the
// test runner's timeout (180 s).
const MIN_RESTARTS = Math.min(RESTARTS, 5);
const RESTARTS_BUDGET_MS = 60_000;
const CUTS = 100;
const KEYS = 40;
const configMaps = resolveResource('configmaps')!;

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

/** Wraps a ListerWatcher so that the test can cut the open watch (a cancelled gRPC call) and count lists. */
function cuttable<T>(inner: ListerWatcher<T>) {
  let current: AbortController | undefined;
  const counts = { lists: 0, watches: 0 };
  const lw: ListerWatcher<T> = {
    list(opts) {
      counts.lists++;
      return inner.list(opts);
    },
    async *watch(opts, signal) {
      counts.watches++;
      const ac = new AbortController();
      current = ac;
      const onAbort = () => ac.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        yield* inner.watch(opts, ac.signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
  /** Cuts the open watch; false when none is open (the informer is between watches). */
  const cut = () => {
    if (!current || current.signal.aborted) return false;
    current.abort();
    return true;
  };
  return { lw, counts, cut };
}

test(`an informer across up to ${RESTARTS} apiserver SIGKILLs and ${CUTS} cut streams misses nothing and repeats nothing`, async (t) => {
  const client = createApiClient(connectionFor(cluster.admin, { component: 'informer-test' }), {
    timeoutMs: 5_000,
  });
  const { lw, counts, cut } = cuttable(listWatchOf<ConfigMap>(client, configMaps, { namespace: 'default' }));
  const informer = new SharedInformer<ConfigMap>(lw, {
    name: 'configmaps',
    backoff: new Backoff({ initialMs: 50, maxMs: 500 }),
  });
  const seen: number[] = [];
  const seenKeys: string[] = [];
  const record = (obj: ConfigMap) => {
    seen.push(Number(obj.metadata?.resourceVersion));
    seenKeys.push(keyOf(obj));
  };
  let tombstones = 0;
  informer.addEventHandler({
    onAdd: record,
    onUpdate: (_old, obj) => record(obj),
    onDelete: (obj) => {
      if (obj instanceof DeletedFinalStateUnknown) tombstones++;
      else record(obj);
    },
  });
  const ac = new AbortController();
  const running = informer.run(ac.signal);
  try {
    assert.ok(await informer.waitForSync(AbortSignal.timeout(10_000)));

    // Writers: creates, updates and deletes of a few keys, until told to stop.
    const acknowledged: number[] = [];
    let writing = true;
    let failures = 0;
    const writer = async (id: number) => {
      for (let i = 0; writing; i++) {
        const name = `cm-${(i * 7 + id) % KEYS}`;
        try {
          if (i % 9 === 8) {
            await client.delete(configMaps, 'default', name);
          } else {
            const cm = ConfigMapFns.fromPartial({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name, namespace: 'default' },
              data: { writer: String(id), i: String(i) },
            });
            const stored = await client.create(configMaps, cm).catch((err: unknown) => {
              if (err instanceof ApiError && err.code === Code.ALREADY_EXISTS)
                return client.update(configMaps, cm);
              throw err;
            });
            acknowledged.push(Number(stored.metadata?.resourceVersion));
          }
        } catch {
          failures++; // the apiserver is down, or the key is gone: the next write goes on
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const writers = [writer(1), writer(2)];

    let cutsDone = 0;
    const cuts = (async () => {
      while (cutsDone < CUTS) {
        await new Promise((r) => setTimeout(r, 40 + Math.random() * 60));
        if (cut()) cutsDone++;
      }
    })();
    const restartMs: number[] = [];
    const restartsBegan = Date.now();
    for (let i = 0; i < RESTARTS; i++) {
      if (i >= MIN_RESTARTS && Date.now() - restartsBegan > RESTARTS_BUDGET_MS) break;
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
      const t0 = Date.now();
      await cluster.restartApiserver({ signal: 'SIGKILL' });
      restartMs.push(Date.now() - t0);
    }
    await cuts;
    // A last stretch with the apiserver up, so that writes land even on a slow machine: at
    // least 2 s, and until enough have been acknowledged for the checks below to mean something.
    const stretch = Date.now() + 2_000;
    await until(
      () => Date.now() > stretch && acknowledged.length > 30,
      () => `more than 30 acknowledged writes (${acknowledged.length}, ${failures} failed)`,
      60_000,
    );
    writing = false;
    await Promise.all(writers);

    // A last write marks the end: once the informer has it, it has everything before it.
    const marker = await client.create(
      configMaps,
      ConfigMapFns.fromPartial({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'marker', namespace: 'default' },
      }),
    );
    assert.ok(marker.metadata);
    const end = Number(marker.metadata?.resourceVersion);
    for (const start = Date.now(); Number(informer.lastSyncResourceVersion()) < end; ) {
      if (Date.now() - start > 60_000)
        assert.fail(`informer stuck at ${informer.lastSyncResourceVersion()}, want ${end}`);
      await new Promise((r) => setTimeout(r, 20));
    }

    // Exactly once, in order: the revisions the handlers saw only ever grow.
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i]! > seen[i - 1]!, `event ${i} (${seenKeys[i]}) at ${seen[i]} after ${seen[i - 1]}`);
    }
    const seenSet = new Set(seen);
    const missed = acknowledged.filter((rv) => !seenSet.has(rv));
    assert.deepEqual(missed, [], 'every acknowledged write reached the handlers');
    assert.equal(counts.lists, 1, `listed ${counts.lists} times: a resumable watch never lists again`);
    assert.equal(tombstones, 0);

    // The cache equals a fresh list.
    const fresh = await client.list(configMaps, 'default');
    const want = new Map(fresh.items.map((o) => [keyOf(o), o.metadata?.resourceVersion]));
    const have = new Map(informer.indexer.list().map((o) => [keyOf(o), o.metadata?.resourceVersion]));
    assert.deepEqual(have, want);
    assert.ok(counts.watches > cutsDone, `${counts.watches} watches for ${cutsDone} cuts`);
    assert.ok(acknowledged.length > 30, `${acknowledged.length} writes acknowledged, ${failures} failed`);

    t.diagnostic(
      `${acknowledged.length} writes acknowledged (${failures} failed while the apiserver was down), ${seen.length} events handled, ${counts.watches} watches, ${counts.lists} list; ${restartMs.length} apiserver restarts took ${Math.min(...restartMs)}-${Math.max(...restartMs)} ms`,
    );
  } finally {
    ac.abort();
    await running;
    client.close();
  }
});
