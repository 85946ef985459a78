/**
 * The store's CPU per write under the apiserver's write mix, read from /proc/<pid>/stat:
 * robust to a loaded machine where throughput is not.
 *
 *   node --import tsx store/bench/write-cpu.ts [--entry A.ts --entry B.ts] [--pods N] [--rounds R]
 *
 * Each `--entry` is a store entry point (default: this tree's main-entry.ts); with two or
 * more, every store runs at once and the rounds alternate between them (the first one of
 * a round swaps every round), so that a passing disturbance lands on all of them alike.
 * A round drives `--pods` pods' writes through one pipelined client, 64 pods in flight,
 * each pod's writes in the order the control plane sends them: pod create (1.3 KB),
 * bind, two Events, status update, and a ReplicaSet status update; one watch per
 * resource prefix reads every change, as the apiserver's watch cache does. A round ends
 * once every watch has seen its last write; its figure is the store's CPU over the round
 * divided by its writes. BENCH_PROFILE_DIR (with bench/cpu-profile.mjs) profiles the stores.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { ensureStorePki } from '../../sdk/pki/index.js';
import { StoreClient } from '../client.js';
import { cpuSecondsOf } from './process-cpu.js';

const { values: args } = parseArgs({
  options: {
    entry: { type: 'string', multiple: true },
    pods: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '4' },
    'in-flight': { type: 'string', default: '64' },
    rate: { type: 'string', default: '0' },
  },
});
const entries = (args.entry ?? [join(import.meta.dirname, '..', 'main-entry.ts')]).map((e) => resolve(e));
const PODS = Number(args.pods);
const ROUNDS = Number(args.rounds);
const IN_FLIGHT = Number(args['in-flight']);
/** Pods started a second (0: as fast as IN_FLIGHT pods in flight go). */
const RATE = Number(args.rate);
const PREFIXES = [
  '/registry/pods/',
  '/registry/events/',
  '/registry/replicasets/',
  '/registry/deployments/',
  '/registry/nodes/',
  '/registry/leases/',
];
const REPLICASETS = 20;

function value(bytes: number, tag: number): Buffer {
  const buf = Buffer.alloc(bytes, 'x');
  buf.writeDoubleBE(tag, 0);
  return buf;
}

interface Side {
  readonly entry: string;
  readonly child: ChildProcess;
  readonly client: StoreClient;
  readonly watchClient: StoreClient;
  /** Per prefix, the newest revision its watch delivered. */
  readonly seen: Map<string, number>;
  readonly abort: AbortController;
  readonly rsRevisions: number[];
  round: number;
}

async function startSide(entry: string, dir: string, index: number): Promise<Side> {
  const data = join(dir, `store-${index}`);
  mkdirSync(data);
  // The store finds its certificates under its data directory.
  const pki = ensureStorePki(data);
  const portFile = join(data, 'port');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      entry,
      '--data-dir',
      data,
      '--listen',
      '127.0.0.1:0',
      '--metrics-listen',
      '',
      '--port-file',
      portFile,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'warn' } },
  );
  children.push(child);
  const deadline = Date.now() + 30_000;
  while (!existsSync(portFile) || readFileSync(portFile, 'utf8') === '') {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${entry} did not start`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const port = Number(readFileSync(portFile, 'utf8'));
  const creds = credentials.createSsl(
    readFileSync(pki.caFile),
    readFileSync(pki.clientKeyFile),
    readFileSync(pki.clientCertFile),
  );
  const options = {
    address: `127.0.0.1:${port}`,
    credentials: creds,
    channelOptions: { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
  };
  const side: Side = {
    entry,
    child,
    client: new StoreClient(options),
    watchClient: new StoreClient(options),
    seen: new Map(),
    abort: new AbortController(),
    rsRevisions: [],
    round: 0,
  };
  await side.client.status();
  for (let r = 0; r < REPLICASETS; r++) {
    side.rsRevisions.push(
      (await side.client.create(`/registry/replicasets/ns/rs-${r}`, value(1000, r))).modRevision,
    );
  }
  const start = (await side.client.status()).revision;
  for (const prefix of PREFIXES) {
    side.seen.set(prefix, start);
    void (async () => {
      for await (const batch of side.watchClient.watch(prefix, start, { signal: side.abort.signal })) {
        side.seen.set(prefix, batch.revision);
      }
    })().catch(() => {});
  }
  return side;
}

/** One pod's writes, in order; returns the revision of the last. */
async function podWrites(side: Side, pod: number): Promise<number> {
  const { client } = side;
  const name = `r${side.round}-p${pod}`;
  const key = `/registry/pods/ns/${name}`;
  let kv = await client.create(key, value(1300, pod));
  kv = await client.update(key, value(1330, pod), kv.modRevision);
  await Promise.all([
    client.create(`/registry/events/ns/${name}.a`, value(600, pod)),
    client.create(`/registry/events/ns/${name}.b`, value(600, pod)),
  ]);
  kv = await client.update(key, value(1400, pod), kv.modRevision);
  // Unconditional, as a status write after a fresh read would be: the ReplicaSets are shared.
  const rs = await client.update(`/registry/replicasets/ns/rs-${pod % REPLICASETS}`, value(1000, pod), 0);
  return Math.max(kv.modRevision, rs.modRevision);
}
const WRITES_PER_POD = 6;

/** CPU seconds of `pid`'s main thread and of its other threads, user and system apart. */
function threadCpu(pid: number | undefined): Map<string, { user: number; system: number }> {
  const out = new Map<string, { user: number; system: number }>();
  if (pid === undefined) return out;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Node names none of its threads: the main thread is the one whose id is the process's.
    const name = tid === String(pid) ? 'main' : 'other threads';
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const entry = out.get(name) ?? { user: 0, system: 0 };
    entry.user += Number(fields[11]) / 100;
    entry.system += Number(fields[12]) / 100;
    out.set(name, entry);
  }
  return out;
}

function threadDelta(
  before: Map<string, { user: number; system: number }>,
  after: Map<string, { user: number; system: number }>,
  writes: number,
): string {
  return [...after]
    .map(([name, a]) => {
      const b = before.get(name) ?? { user: 0, system: 0 };
      return `${name} ${((1000 * (a.user - b.user)) / writes).toFixed(3)}u+${((1000 * (a.system - b.system)) / writes).toFixed(3)}s`;
    })
    .join(', ');
}

async function round(side: Side): Promise<{ writes: number; cpuMs: number; seconds: number }> {
  const threadsBefore = threadCpu(side.child.pid);
  const cpuBefore = cpuSecondsOf(side.child.pid);
  const began = performance.now();
  let next = 0;
  let last = 0;
  if (RATE > 0) {
    // Paced, as pods come in a cluster: small group commits, where per-batch costs show.
    const pods: Promise<void>[] = [];
    for (; next < PODS; next++) {
      const due = began + (next * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pods.push(
        podWrites(side, next).then((rev) => {
          last = Math.max(last, rev);
        }),
      );
    }
    await Promise.all(pods);
  } else {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < PODS) last = Math.max(last, await podWrites(side, next++));
      }),
    );
  }
  // Every watch delivered the round's writes (the pods' and the ReplicaSets' watches see the last).
  const watched = ['/registry/pods/', '/registry/events/', '/registry/replicasets/'];
  while (watched.some((p) => (side.seen.get(p) ?? 0) < last - WRITES_PER_POD * IN_FLIGHT)) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 100));
  const seconds = (performance.now() - began) / 1000;
  const cpuMs = (cpuSecondsOf(side.child.pid) - cpuBefore) * 1000;
  if (process.env.BENCH_THREADS) {
    process.stderr.write(
      `    ms/write by thread: ${threadDelta(threadsBefore, threadCpu(side.child.pid), PODS * WRITES_PER_POD)}\n`,
    );
  }
  side.round++;
  return { writes: PODS * WRITES_PER_POD, cpuMs, seconds };
}

const dir = mkdtempSync(join(tmpdir(), 'store-write-cpu-'));
const sides: Side[] = [];
const children: ChildProcess[] = [];
try {
  for (const [i, entry] of entries.entries()) sides.push(await startSide(entry, dir, i));
  for (const side of sides) await round(side); // warm-up: JIT, segment preparation
  const results = sides.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    const order = sides.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      const res = await round(sides[i]!);
      const perWrite = res.cpuMs / res.writes;
      results[i]!.push(perWrite);
      process.stderr.write(
        `  ${entries[i]} round ${r + 1}: ${perWrite.toFixed(3)} ms CPU/write, ${Math.round(res.writes / res.seconds)} writes/s\n`,
      );
    }
  }
  console.log(
    `store CPU per write: ${PODS} pods x ${WRITES_PER_POD} writes a round, ${RATE > 0 ? `${RATE} pods/s` : `${IN_FLIGHT} pods in flight`}, ${PREFIXES.length} watches`,
  );
  for (const [i, entry] of entries.entries()) {
    const sorted = [...results[i]!].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `  ${entry}: median ${median.toFixed(3)} ms (rounds: ${results[i]!.map((x) => x.toFixed(3)).join(', ')})`,
    );
  }
} finally {
  for (const side of sides) {
    side.abort.abort();
    side.client.close();
    side.watchClient.close();
  }
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null) return Promise.resolve();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      return exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
}
