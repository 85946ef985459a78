/**
 * `npm run bench:store`: the store's durable write, read and watch figures, side by
 * side with references measured in the same run on the same machine: a no-op
 * grpc-js server (the transport's ceiling, unary and stream) and etcd through its own
 * gRPC API. Every server runs in its own process; this one is the client.
 *
 * BENCH_SECONDS sets the measured time of each row (default 2). The streamed writes of
 * the store and of the no-op, whose ratio is a target, run in BENCH_ROUNDS rounds
 * (default 3) that alternate the two servers, swapping which goes first each round, and
 * are pooled: on a shared machine a passing disturbance then lands on both alike
 * instead of on whichever happened to run at the time. BENCH_WATCH_RATE sets the
 * writes a second under the 100 watchers (default 250: 25,000 deliveries a second,
 * read by this one process along with the writes). `-- --backend etcd` runs
 * bench-etcd.ts instead: the store on a 3-member etcd beside etcd itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import { interleaved } from '../../bench/rounds.js';
import { ensureStorePki } from '../../sdk/pki/index.js';
import { StoreClient } from '../client.js';
import { benchApiserverCreates } from './apiserver-creates.js';
import { benchEtcd } from './bench-etcd.js';
import { type Etcd, etcdInstalled, startEtcd } from './etcd.js';
import { closedLoop, type LoadResult, openLoop, percentile, pooled } from './load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_MS = SECONDS * 1000;
const LEVELS = [1, 16, 64, 256];
const VALUE = Buffer.alloc(512, 'v');
const WATCHERS = 100;
/** Writes a second under the watchers: paced, so that delivery latency is not the backlog of a writer faster than 100 readers. */
const WATCH_WRITES_PER_SECOND = Number(process.env.BENCH_WATCH_RATE ?? 250);

interface Row {
  readonly name: string;
  readonly inFlight: number | string;
  readonly result?: LoadResult;
  readonly note?: string;
  /** Per-round figures of an interleaved row, printed after the table. */
  readonly rounds?: readonly LoadResult[];
}

const here = import.meta.dirname;
const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
const children: ChildProcess[] = [];
const rows: Row[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a TypeScript entry point and waits for the port it writes to `portFile`. */
async function spawnServer(entry: string, args: string[], portFile: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'warn' },
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const deadline = Date.now() + 30_000;
  while (!existsSync(portFile)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`${entry} did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Number(readFileSync(portFile, 'utf8'));
}

function clientOf(port: number, creds: ChannelCredentials): StoreClient {
  return new StoreClient({
    address: `127.0.0.1:${port}`,
    credentials: creds,
    // The certificate names localhost; this also keeps Node from sending an IP as the TLS server name.
    channelOptions: { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
  });
}

function unaryCreate(client: StoreClient, key: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client.grpc.create({ key, value: VALUE, ttlSeconds: '0' }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

function unaryGet(client: StoreClient, key: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client.grpc.get({ key, revision: '0' }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

async function measure(
  name: string,
  inFlight: number,
  op: (i: number) => Promise<unknown>,
): Promise<LoadResult> {
  const result = await closedLoop(inFlight, DURATION_MS, op);
  rows.push({ name, inFlight, result });
  process.stderr.write(`  ${name} @${inFlight}: ${opsPerSecond(result)}/s\n`);
  return result;
}

/** Rows measured in interleaved rounds (see the header), pooled; each keeps its rounds. */
async function measureInterleaved(
  inFlight: number,
  sides: Record<string, (i: number) => Promise<unknown>>,
): Promise<void> {
  const names = Object.keys(sides);
  const results = await interleaved(names, ROUNDS, async (name, round) => {
    const result = await closedLoop(inFlight, DURATION_MS, sides[name]!);
    process.stderr.write(`  ${name} @${inFlight}, round ${round + 1}/${ROUNDS}: ${opsPerSecond(result)}/s\n`);
    return result;
  });
  for (const name of names)
    rows.push({ name, inFlight, result: pooled(results[name]!), rounds: results[name] });
}

function opsPerSecond(r: LoadResult): number {
  return Math.round(r.ops / r.seconds);
}

/** 100 watchers on one prefix while writes come at a fixed rate; latency from a write's send to each delivery. */
async function watchDelivery(writer: StoreClient, watcherClient: StoreClient): Promise<LoadResult> {
  const prefix = '/bench/watch/';
  const ac = new AbortController();
  setMaxListeners(WATCHERS + 10, ac.signal); // one listener per watcher
  const latencies: number[] = [];
  let measuring = false;
  const start = (await writer.status()).revision;
  const ready: Promise<void>[] = [];
  const loops: Promise<void>[] = [];
  for (let w = 0; w < WATCHERS; w++) {
    let markReady: () => void = () => {};
    ready.push(new Promise<void>((r) => (markReady = r)));
    loops.push(
      (async () => {
        for await (const batch of watcherClient.watch(prefix, start, { signal: ac.signal })) {
          markReady();
          if (!measuring) continue;
          const now = performance.timeOrigin + performance.now();
          for (const e of batch.events) latencies.push(now - e.kv.value.readDoubleBE(0));
        }
      })(),
    );
  }
  await Promise.all(ready);
  measuring = true;
  const began = performance.now();
  const { errors } = await openLoop(WATCH_WRITES_PER_SECOND, DURATION_MS, (i) => {
    const value = Buffer.alloc(512, 'w');
    value.writeDoubleBE(performance.timeOrigin + performance.now(), 0);
    return writer.create(`${prefix}${i}`, value);
  });
  await new Promise((r) => setTimeout(r, 200));
  const seconds = (performance.now() - began) / 1000;
  ac.abort();
  await Promise.allSettled(loops);
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    latenciesMs: [],
  };
}

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function printTable(): void {
  const header = ['', 'in flight', 'ops/s', 'p50 ms', 'p99 ms'];
  const body = rows.map((r) =>
    r.result
      ? [r.name, String(r.inFlight), String(opsPerSecond(r.result)), fmt(r.result.p50Ms), fmt(r.result.p99Ms)]
      : [r.name, String(r.inFlight), r.note ?? '-', '', ''],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

function roundsOf(name: string, inFlight: number): readonly LoadResult[] {
  return rows.find((r) => r.name === name && r.inFlight === inFlight)?.rounds ?? [];
}

function rate(name: string, inFlight: number): LoadResult | undefined {
  return rows.find((r) => r.name === name && r.inFlight === inFlight)?.result;
}

async function main(): Promise<void> {
  const pki = ensureStorePki(dir);
  const creds = credentials.createSsl(
    readFileSync(pki.caFile),
    readFileSync(pki.clientKeyFile),
    readFileSync(pki.clientCertFile),
  );
  process.stderr.write(`starting the store, the no-op server${etcdInstalled() ? ' and etcd' : ''}…\n`);
  const storePort = await spawnServer(
    join(here, '..', 'main-entry.ts'),
    [
      '--data-dir',
      dir,
      '--listen',
      '127.0.0.1:0',
      '--metrics-listen',
      '',
      '--port-file',
      join(dir, 'store.port'),
    ],
    join(dir, 'store.port'),
  );
  const noopPort = await spawnServer(
    join(here, 'noop-server.ts'),
    [join(dir, 'noop.port'), join(dir, 'pki', 'store')],
    join(dir, 'noop.port'),
  );
  let etcd: Etcd | undefined;
  if (etcdInstalled()) {
    etcd = await startEtcd(dir, await freePort(), await freePort());
    children.push(etcd.child);
  }
  const store = clientOf(storePort, creds);
  const noop = clientOf(noopPort, creds);
  const watchers = clientOf(storePort, creds);
  try {
    await store.status(); // connect before measuring
    for (const n of LEVELS) {
      let written = 0; // keys stay unique over the rounds
      await measureInterleaved(n, {
        'store writes, stream': () => store.create(`/bench/stream/${n}/${written++}`, VALUE),
        'no-op server, stream': (i) => noop.create(`/bench/noop/${i}`, VALUE),
      });
      await measure('store writes, unary', n, (i) => unaryCreate(store, `/bench/unary/${n}/${i}`));
      await measure('no-op server, unary', n, (i) => unaryCreate(noop, `/bench/noop/${i}`));
      if (etcd) {
        const put = etcd.put;
        await measure('etcd 3.4 puts, unary', n, (i) => put(`/bench/etcd/${n}/${i}`, VALUE));
      } else if (n === LEVELS[0]) {
        rows.push({ name: 'etcd 3.4 puts, unary', inFlight: '-', note: `skipped: no ${'/usr/bin/etcd'}` });
      }
    }
    const keys = (await store.list('/bench/stream/64/', { limit: 10_000, keysOnly: true })).kvs.map(
      (kv) => kv.key,
    );
    await measure('store reads (get), stream', 64, (i) => store.get(keys[i % keys.length]!));
    await measure('store reads (get), unary', 64, (i) => unaryGet(store, keys[i % keys.length]!));
    const watch = await watchDelivery(store, watchers);
    rows.push({
      name: `watch deliveries, ${WATCHERS} watchers`,
      inFlight: `${WATCH_WRITES_PER_SECOND} w/s`,
      result: watch,
    });
  } finally {
    store.close();
    noop.close();
    watchers.close();
    etcd?.close();
  }

  console.log(
    `\nWheelhouse store benchmark (${SECONDS} s a row; streamed writes of the store and the no-op: ${ROUNDS} interleaved rounds each, pooled; 512-byte values; one grpc-js client)\n`,
  );
  printTable();
  const stream64 = rate('store writes, stream', 64);
  const noop64 = rate('no-op server, stream', 64);
  const etcd64 = rate('etcd 3.4 puts, unary', 64);
  if (stream64) {
    const ours = stream64.ops / stream64.seconds;
    console.log('');
    if (etcd64) {
      const theirs = etcd64.ops / etcd64.seconds;
      console.log(
        `streamed durable writes @64: ${fmt(ours / theirs, 1)}x etcd (target >= 3x); ` +
          `p99 ${fmt(stream64.p99Ms)} ms vs etcd ${fmt(etcd64.p99Ms)} ms (target: no worse)`,
      );
    }
    if (noop64) {
      const byRound = roundsOf('store writes, stream', 64).map((r, i) => {
        const reference = roundsOf('no-op server, stream', 64)[i];
        return reference ? `${fmt((100 * opsPerSecond(r)) / opsPerSecond(reference), 0)}%` : '-';
      });
      console.log(
        `streamed durable writes @64: ${fmt((100 * ours) / (noop64.ops / noop64.seconds), 0)}% of the no-op stream ceiling (target >= 50%); by round: ${byRound.join(', ')}`,
      );
    }
  }
}

const backend = process.argv[process.argv.indexOf('--backend') + 1];
if (process.argv.includes('--backend') && backend !== 'etcd') {
  throw new Error(`--backend ${backend}: only --backend etcd picks another benchmark`);
}
try {
  if (backend === 'etcd') {
    await benchEtcd();
    await benchApiserverCreates({ inFlight: 64, seconds: SECONDS, rounds: ROUNDS });
  } else await main();
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
