/**
 * `npm run bench:informer`: one SDK informer over 30,000 pods against a real store and
 * apiserver (test/cluster.ts).
 *
 * - sync: the time from start to a synced cache, and the heap it holds (measured after a
 *   full garbage collection, so run with --expose-gc, as the npm script does) and the
 *   growth of this process's resident memory;
 * - throughput: the same backlog of updates replayed from one resourceVersion, once
 *   through the informer (decode, cache, indexes, a handler) and once through a raw
 *   watch stream of the same client (decode only), in interleaved rounds, pooled. The
 *   informer's share of the raw rate is the figure (target >= 80%).
 *
 * Everything is on 127.0.0.1 and bounded. Progress goes to stderr, the table to stdout.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApiClient } from '../sdk/client/dynamic-client.js';
import { connectionFor } from '../sdk/client/index.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { SharedInformer } from '../sdk/informers/index.js';
import { indexByNodeName, NODE_NAME_INDEX } from '../sdk/informers/indexer.js';
import { listWatchOf } from '../sdk/informers/list-watch.js';
import type { ListerWatcher } from '../sdk/informers/types.js';
import { resolveResource } from '../sdk/kinds.js';
import { startCluster } from '../test/cluster.js';
import { pod } from '../test/objects.js';
import { closedLoop } from './load.js';
import { interleaved } from './rounds.js';

const usage = `Usage: npm run bench:informer -- [--pods N] [--updates N] [--rounds N]

  --pods N      pods the informer lists and caches (default 30000)
  --updates N   updates in the replayed backlog (default 30000)
  --rounds N    rounds of the throughput row, alternating informer and raw stream (default 3)
`;

const progress = (line: string) => process.stderr.write(`${line}\n`);
const podsInfo = resolveResource('pods')!;
const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pods: { type: 'string', default: '30000' },
      updates: { type: 'string', default: '30000' },
      rounds: { type: 'string', default: '3' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const pods = Number(values.pods);
  const updates = Number(values.updates);
  const rounds = Number(values.rounds);
  if (!gc) progress('(no --expose-gc: heap figures include garbage)');

  progress('starting a store and an apiserver');
  const cluster = await startCluster({
    apiserverArgs: ['--watch-cache-sizes', `pods#${updates + 10_000}`, '--watch-cache-max-bytes', '0'],
  });
  const client = createApiClient(connectionFor(cluster.admin, { component: 'bench' }));
  try {
    progress(`creating ${pods} pods`);
    const created = await closedLoop({ concurrency: 64, durationMs: 600_000, maxOps: pods }, (i) =>
      client.create(podsInfo, pod(`p-${i}`)),
    );
    if (created.errors > 0) throw new Error(`pod creates failed: ${created.firstError}`);

    // ---- sync ------------------------------------------------------------------------
    const heapBefore = heapAfterGc();
    const rssBefore = process.memoryUsage().rss;
    const syncAc = new AbortController();
    const informer = new SharedInformer<Pod>(listWatchOf<Pod>(client, podsInfo), {
      name: 'pods',
      indexers: { [NODE_NAME_INDEX]: indexByNodeName },
    });
    const t0 = performance.now();
    const running = informer.run(syncAc.signal);
    await informer.waitForSync();
    const syncMs = performance.now() - t0;
    const heapHeld = heapAfterGc() - heapBefore;
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    if (informer.indexer.size !== pods) throw new Error(`synced ${informer.indexer.size} pods of ${pods}`);
    const startRv = informer.lastSyncResourceVersion();
    syncAc.abort();
    await running;

    // ---- the backlog -----------------------------------------------------------------
    progress(`writing a backlog of ${updates} updates`);
    const cached = informer.indexer.list();
    const written = await closedLoop({ concurrency: 64, durationMs: 600_000, maxOps: updates }, (i) => {
      const p = structuredClone(cached[i % cached.length]!);
      p.metadata!.resourceVersion = '';
      p.metadata!.labels = { ...p.metadata!.labels, round: String(i) };
      return client.update(podsInfo, p);
    });
    if (written.errors > 0) throw new Error(`updates failed: ${written.firstError}`);

    // ---- throughput --------------------------------------------------------------------
    /** The real list/watch, whose list answers the snapshot before the backlog. */
    const replay = (): ListerWatcher<Pod> => {
      const real = listWatchOf<Pod>(client, podsInfo);
      let first = true;
      return {
        list: async () => ({ items: first ? cached : [], resourceVersion: startRv, continue: '' }),
        watch(opts, signal) {
          first = false;
          return real.watch(opts, signal);
        },
      };
    };
    const results = await interleaved(['informer', 'raw'] as const, rounds, async (side) => {
      const ac = new AbortController();
      let seen = 0;
      let t1 = 0;
      const done = new Promise<void>((resolve) => {
        const count = () => {
          if (++seen === updates) resolve();
        };
        if (side === 'informer') {
          const inf = new SharedInformer<Pod>(replay(), {
            name: 'replay',
            indexers: { [NODE_NAME_INDEX]: indexByNodeName },
          });
          void inf.waitForSync().then(() => {
            t1 = performance.now();
            inf.addEventHandler({ onUpdate: count });
          });
          void inf.run(ac.signal);
        } else {
          t1 = performance.now();
          void (async () => {
            for await (const e of client.watch(
              podsInfo,
              '',
              { resourceVersion: startRv, allowWatchBookmarks: true },
              ac.signal,
            )) {
              if (e.object !== undefined && e.type !== 4) count();
            }
          })();
        }
      });
      await done;
      const seconds = (performance.now() - t1) / 1000;
      ac.abort();
      progress(`  ${side}: ${updates} events in ${seconds.toFixed(2)} s`);
      return updates / seconds;
    });
    const pooled = (xs: number[]) => xs.length / xs.reduce((s, x) => s + 1 / x, 0);
    const informerRate = pooled(results.informer);
    const rawRate = pooled(results.raw);
    const share = (100 * informerRate) / rawRate;

    const rows = [
      ['row', 'informer', 'reference', 'target'],
      [`sync ${pods} pods`, `${(syncMs / 1000).toFixed(2)} s`, '', ''],
      ['heap held by the cache', mib(heapHeld), '', ''],
      ['resident memory growth', mib(rssGrowth), '', ''],
      [
        `replay of ${updates} updates (events/s)`,
        `${informerRate.toFixed(0)}`,
        `${rawRate.toFixed(0)} raw watch`,
        `>= 80%: ${share.toFixed(0)}% ${share >= 80 ? 'met' : 'missed'}`,
      ],
      [
        '  rounds (informer / raw)',
        results.informer.map((r) => r.toFixed(0)).join(', '),
        results.raw.map((r) => r.toFixed(0)).join(', '),
        '',
      ],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) process.stdout.write(`${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}\n`);
  } finally {
    client.close();
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
