/**
 * The apiserver's memory under large objects written fast with slow watchers present:
 * bounded by --watch-cache-max-bytes and --watch-max-pending-bytes, and given back
 * once the load ends. Real processes; only the apiserver's RSS is asserted (the store
 * holds the values too, in its own process).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client, ClientReadableStream } from '@grpc/grpc-js';
import { channelCredentials, channelOptions } from '../sdk/credentials.js';
import { type ApiError, Code, fromServiceError } from '../sdk/errors.js';
import { ListOptions } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import { typesOf } from '../sdk/kind-registry.js';
import { resolveResource } from '../sdk/kinds.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';
import { watch } from '../test/watch.js';

const MiB = 1 << 20;
/** Data of each ConfigMap. */
const OBJECT_BYTES = 256 * 1024;
const OBJECTS = 8;
/** Updates in flight at once. */
const WRITERS = 8;
const LOAD_MS = 20_000;
/** Fewer updates than this and the load proves nothing (see AFTER_GROWTH). */
const MIN_UPDATES = 200;
/**
 * The writers stop here even within LOAD_MS: what V8 keeps after the load grows with the
 * updates made, with the bounds too (a quiet machine made 803 in 20 s and kept +154 MiB),
 * while without the bounds 500 updates grow it by ~400 MiB.
 */
const MAX_UPDATES = 500;
/**
 * A loaded machine does fewer updates in LOAD_MS (70 at load ~25): the writers then go on
 * until MIN_UPDATES are done, for this long at most.
 */
const MAX_LOAD_MS = 80_000;
/** A new pair of slow watchers this often, each kept open (and unread) until the end. */
const SLOW_EVERY_MS = 2_500;
/**
 * How long the apiserver gets to give memory back after the load: V8 shrinks its heap
 * (the memory reducer) some 7–9 s after the allocations stop.
 */
const SETTLE_MS = 16_000;
/**
 * The bounds under test. An event of a 256 KiB ConfigMap is estimated at ~0.52 MiB
 * (object and encoding) in a queue and ~0.77 MiB (and the previous object) in the
 * history: 8 MiB is 15 events unread, 16 MiB of history 20 events.
 */
const CACHE_MAX_BYTES = '16Mi';
const WATCH_MAX_PENDING_BYTES = '8Mi';
/**
 * What the apiserver's RSS may grow over its baseline under the load, and keep after
 * it. Measured on a busy 2-core machine (load average 4–17, so 210–635 updates a run,
 * from a baseline of ~205 MiB): with the bounds, +114 to +148 MiB at the peak (garbage
 * V8 lets pile up between collections, most of it) and +35 to +70 MiB once V8 has
 * shrunk its heap, 7–10 s after the load (the history's 16 MiB, V8's young generation,
 * the allocator); without them (0 and 0: the count of 10,000 events alone, as before),
 * +164 to +258 MiB at the peak and +143 to +224 MiB after with only 165–285 updates
 * done, growing with every update (the history keeps each object and its encoding). So
 * the bound after the load fails without the byte bounds from ~120 updates on; the
 * peak's, with its wider margin for collections, from ~250. Run compiled (no TypeScript
 * loader in the process) the baseline is ~135 MiB and V8 keeps more of what it grew:
 * +87 to +133 MiB after 397–510 updates, with the bounds; without them the growth of
 * ~0.8 MiB an update passes 150 MiB by ~200 updates.
 */
const PEAK_GROWTH = 240 * MiB;
const AFTER_GROWTH = 150 * MiB;

function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A ConfigMap client on a connection of its own, as separate watchers have: HTTP/2 flow
 * control is per connection too, so unread watches would otherwise stall every call that
 * shares theirs. `window`: what the server may send before the client reads (HTTP/2's
 * 64 KiB for a client that stops reading; the clients' 16 MiB by default).
 */
function ownClient(cluster: Cluster, window?: number): Client {
  const config = { ...cluster.admin, server: cluster.apiserver };
  const Ctor = typesOf(resolveResource('configmaps')!).client;
  return new Ctor(config.server, channelCredentials(config), {
    ...channelOptions(config),
    ...(window !== undefined ? { 'grpc-node.flow_control_window': window } : {}),
    'grpc.use_local_subchannel_pool': 1,
  });
}

interface SlowWatch {
  readonly stream: ClientReadableStream<unknown>;
  error?: ApiError;
}

/**
 * A watch whose client stops reading: its buffer (16 messages) fills, then HTTP/2 flow
 * control holds the server's writes, and the events back up into the watcher's queue.
 * The one read(0) starts grpc-js reading at all: a call never read keeps taking in
 * messages, without bound, in the client.
 */
function slowWatch(client: Client): SlowWatch {
  const method = (client as unknown as Record<string, (r: unknown) => ClientReadableStream<unknown>>)
    .watchConfigMaps!;
  const stream = method.call(client, { namespace: 'default', options: ListOptions.fromPartial({}) });
  stream.pause();
  stream.read(0);
  const slow: SlowWatch = { stream };
  stream.on('error', (err) => {
    slow.error = fromServiceError(err as Parameters<typeof fromServiceError>[0]);
  });
  return slow;
}

/** The value of a metric's series with these labels (and maybe others) in a Prometheus exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('apiserver: memory under large objects and slow watchers', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({
      apiserverArgs: [
        '--watch-cache-max-bytes',
        CACHE_MAX_BYTES,
        '--watch-max-pending-bytes',
        WATCH_MAX_PENDING_BYTES,
        '--metrics-bind-address',
        '127.0.0.1:0',
        '--metrics-insecure-loopback',
      ],
      // The metrics port is in the apiserver's log, at info.
      logLevel: 'info',
      captureOutput: true,
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  test(`${LOAD_MS / 1000} s of ${OBJECT_BYTES / 1024} KiB ConfigMap updates keep the apiserver's RSS bounded`, async (t) => {
    // (Logs are written asynchronously: the line may follow the one on standard output.)
    let metricsPort: string | undefined;
    for (let i = 0; i < 50 && metricsPort === undefined; i++) {
      metricsPort = /"port":(\d+),[^\n]*"msg":"metrics listening"/.exec(cluster.output())?.[1];
      if (metricsPort === undefined) await sleep(100);
    }
    assert.ok(metricsPort, 'the apiserver logs its metrics port');
    const configMaps = cluster.client('configmaps');
    const blob = 'x'.repeat(OBJECT_BYTES);
    const configMap = (i: number, v: number) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `big-${i}`, namespace: 'default' },
      data: { v: String(v), blob },
    });
    for (let i = 0; i < OBJECTS; i++)
      await call(configMaps, 'createConfigMap', { configMap: configMap(i, 0) });
    await sleep(2_000);
    const pid = cluster.apiserverPid;
    const baseline = rssOf(pid);

    // A watcher that reads everything (reopened if it ends), and slow ones that stop reading.
    const clients: Client[] = [];
    const connect = (window?: number) => {
      const c = ownClient(cluster, window);
      clients.push(c);
      return c;
    };
    let fastEvents = 0;
    let fastEnds = 0;
    let fast = watch<unknown>(connect(), 'watchConfigMaps', { namespace: 'default' });
    const slow: SlowWatch[] = [];
    let peak = baseline;
    let updates = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid));
      fastEvents += fast.events.splice(0).length;
      if (fast.ended) {
        fastEnds++;
        fast = watch<unknown>(connect(), 'watchConfigMaps', { namespace: 'default' });
      }
    }, 100);
    const openSlow = () => slow.push(slowWatch(connect(65_535)), slowWatch(connect(65_535)));
    const opener = setInterval(openSlow, SLOW_EVERY_MS);
    openSlow();
    const started = Date.now();
    const deadline = started + LOAD_MS;
    // The slow watchers are those of LOAD_MS, however long the writers go on.
    setTimeout(() => clearInterval(opener), LOAD_MS).unref();
    const loading = () =>
      updates < MAX_UPDATES &&
      (Date.now() < deadline || (updates < MIN_UPDATES && Date.now() < started + MAX_LOAD_MS));
    try {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let n = 1; loading(); n++) {
            const i = (w + n * WRITERS) % OBJECTS;
            await call(configMaps, 'updateConfigMap', { configMap: configMap(i, n) });
            updates++;
          }
        }),
      );
    } finally {
      clearInterval(opener);
      clearInterval(sampler);
    }
    const loadMs = Date.now() - started;
    peak = Math.max(peak, rssOf(pid));
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    // A watch that stopped reading sees how it ended once it reads what came before.
    const first = slow[0]!;
    await Promise.race([
      new Promise((resolve) => {
        first.stream.once('close', resolve);
        first.stream.on('data', () => {});
        first.stream.resume();
      }),
      sleep(3_000),
    ]);
    for (const s of slow) s.stream.cancel();
    fast.cancel();
    for (const c of clients) c.close();

    // Given back: poll until the RSS is near the baseline again, or the time is up.
    let afterLoad = rssOf(pid);
    const settleBy = Date.now() + SETTLE_MS;
    while (afterLoad >= baseline + AFTER_GROWTH && Date.now() < settleBy) {
      await sleep(250);
      afterLoad = rssOf(pid);
    }
    const resource = 'configmaps';
    const terminatedForBytes = sample(metrics, 'apiserver_terminated_watchers_total', {
      resource,
      reason: 'bytes',
    });
    const historyBytes = sample(metrics, 'apiserver_watch_cache_bytes', { resource });
    t.diagnostic(
      `apiserver RSS: baseline ${mib(baseline)}, peak ${mib(peak)}, after ${mib(afterLoad)}; ` +
        `${updates} updates in ${(loadMs / 1000).toFixed(0)} s (${((updates * OBJECT_BYTES) / MiB / (loadMs / 1000)).toFixed(1)} MiB/s); ` +
        `${slow.length} slow watchers, ${terminatedForBytes} ended over their byte budget; ` +
        `fast watcher: ${fastEvents} events, reopened ${fastEnds} times; ` +
        `history ${mib(historyBytes ?? 0)} (bounds: ${CACHE_MAX_BYTES} of history, ${WATCH_MAX_PENDING_BYTES} a watcher)`,
    );
    assert.ok(updates >= MIN_UPDATES, `only ${updates} updates: too little load to tell`);
    assert.equal(
      first.error?.code,
      Code.RESOURCE_EXHAUSTED,
      `the first slow watch ended with ${first.error}`,
    );
    assert.match(first.error!.message, /resume from resourceVersion \d+$/);
    assert.ok((terminatedForBytes ?? 0) >= 1, 'watchers ended over their byte budget are counted');
    assert.ok(historyBytes !== undefined && historyBytes <= 16 * MiB, `history of ${historyBytes} bytes`);
    assert.ok(
      peak < baseline + PEAK_GROWTH,
      `peak RSS ${mib(peak)} is over the baseline ${mib(baseline)} + ${mib(PEAK_GROWTH)}`,
    );
    assert.ok(
      afterLoad < baseline + AFTER_GROWTH,
      `RSS ${mib(afterLoad)} after the load is over the baseline ${mib(baseline)} + ${mib(AFTER_GROWTH)}`,
    );
  });
});
