/**
 * `npm run bench:store -- --backend etcd`: the store service on a 3-member etcd cluster
 * beside etcd driven directly through the same client stack (the etcd driver's grpc-js
 * client), in the same run, so that the ratio is the service's own overhead on top of
 * etcd. Rows, each at 16, 64 and 256 creates in flight, measured in interleaved rounds
 * (BENCH_ROUNDS, default 3; BENCH_SECONDS a round, default 2):
 *
 * - store over etcd: StoreClient's streamed creates → `wheelhouse store --backend etcd://…`
 *   (TLS, as the apiserver calls it) → the driver's Txn → etcd;
 * - etcd driver in-process: the same Txn from this process, no store service between;
 * - etcd txns: the Txn a create is (create_revision == 0 ? Put : Range), encoded and sent
 *   through the same client by hand: what a create costs etcd itself;
 * - etcd puts: a bare Put through the same client, what etcd itself can take.
 *
 * Beside each row, the CPU a write cost this process, the store process and the three etcd
 * members together (/proc/<pid>/stat over the round, warm-up included): on a shared
 * machine that moves far less than the throughput. BENCH_LEVELS picks the in-flight
 * levels (default 16,64,256).
 *
 * After it, `--backend etcd` also runs apiserver-creates.ts: the apiserver's pod creates on
 * the level driver beside the apiserver's on an etcd cluster.
 *
 * Every client talks to the leader first, as the store replica does when it is listed first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { interleaved } from '../../bench/rounds.js';
import { ensureStorePki } from '../../sdk/pki/index.js';
import { StoreClient } from '../client.js';
import { EtcdClient } from '../drivers/etcd-client.js';
import '../drivers/index.js';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { encodeTxn } from '../drivers/etcd-wire.js';
import { openBackend } from '../registry.js';
import { spawnStore } from '../spawn-store.js';
import { etcdAvailable, startEtcdCluster } from '../testing/etcd-cluster.js';
import { closedLoop, type LoadResult, pooled } from './load.js';
import { cpuSecondsOf, ownCpuSeconds } from './process-cpu.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LEVELS = (process.env.BENCH_LEVELS ?? '16,64,256').split(',').map(Number);
const VALUE = Buffer.alloc(512, 'v');

const SIDES = [
  'store over etcd, stream',
  'etcd driver in-process',
  'etcd txns, same client',
  'etcd puts, same client',
] as const;
type Side = (typeof SIDES)[number];

function putRequest(key: string): Uint8Array {
  return new BinaryWriter().uint32(10).bytes(Buffer.from(key)).uint32(18).bytes(VALUE).finish();
}

/** The Txn the driver sends for a create: put if the key was never created, else read it. */
function createTxn(key: string): Uint8Array {
  const k = Buffer.from(key);
  return encodeTxn({
    compare: [{ key: k, target: 'create', result: 'equal', revision: 0 }],
    success: [{ put: { key: k, value: VALUE } }],
    failure: [{ range: { key: k } }],
  });
}

/** CPU microseconds a completed write cost each process of a round. */
interface CpuPerOp {
  readonly bench: number;
  readonly store: number;
  readonly etcd: number;
}

interface Round {
  readonly load: LoadResult;
  readonly cpu: CpuPerOp;
}

const perSecond = (r: LoadResult) => Math.round(r.ops / r.seconds);
const average = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export async function benchEtcd(): Promise<void> {
  if (!etcdAvailable()) {
    console.log('etcd is not installed (/usr/bin/etcd): install etcd-server to run this benchmark');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-etcd-'));
  process.stderr.write('starting a 3-member etcd cluster and a store on it…\n');
  const cluster = await startEtcdCluster();
  const leader = await cluster.leader();
  const order = [leader, ...cluster.endpoints.keys()].filter((i, n, all) => all.indexOf(i) === n);
  const endpoints = order.map((i) => cluster.endpoints[i]!);
  const url = `etcd://${endpoints.join(',')}`;
  const pki = ensureStorePki(dir);
  const store = spawnStore(dir, ['--backend', `${url}/bench-store`]);
  const direct = await openBackend(`${url}/bench-driver`);
  const etcd = new EtcdClient({ endpoints });
  let client: StoreClient | undefined;
  const rows: { name: string; inFlight: number; result: LoadResult; rounds: LoadResult[]; cpu: CpuPerOp }[] =
    [];
  const etcdPids = cluster.members.map((m) => m.child?.pid);
  const cpuNow = () => ({
    bench: ownCpuSeconds(),
    store: cpuSecondsOf(store.child.pid),
    etcd: etcdPids.reduce((n: number, pid) => n + cpuSecondsOf(pid), 0),
  });
  try {
    client = new StoreClient({
      address: `127.0.0.1:${await store.port()}`,
      credentials: credentials.createSsl(
        readFileSync(pki.caFile),
        readFileSync(pki.clientKeyFile),
        readFileSync(pki.clientCertFile),
      ),
      channelOptions: { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
    });
    const service = client;
    await service.status(); // connected before measuring
    let written = 0; // keys stay unique over rounds and levels
    const ops: Record<Side, () => Promise<unknown>> = {
      'store over etcd, stream': () => service.create(`/bench/${written++}`, VALUE),
      'etcd driver in-process': () => direct.create(`/bench/${written++}`, VALUE),
      'etcd txns, same client': () =>
        etcd.call('/etcdserverpb.KV/Txn', createTxn(`/bench-txn/${written++}`), 'write'),
      'etcd puts, same client': () =>
        etcd.call('/etcdserverpb.KV/Put', putRequest(`/bench-put/${written++}`), 'write'),
    };
    for (const n of LEVELS) {
      const results = await interleaved(SIDES, ROUNDS, async (side, round): Promise<Round> => {
        let completed = 0;
        const op = ops[side];
        const counted = () =>
          op().then(() => {
            completed++;
          });
        const before = cpuNow();
        const load = await closedLoop(n, SECONDS * 1000, counted);
        const after = cpuNow();
        const micros = (k: keyof CpuPerOp) => (1e6 * (after[k] - before[k])) / Math.max(completed, 1);
        const cpu = { bench: micros('bench'), store: micros('store'), etcd: micros('etcd') };
        process.stderr.write(
          `  ${side} @${n}, round ${round + 1}/${ROUNDS}: ${perSecond(load)}/s, CPU µs a write: ` +
            `bench ${cpu.bench.toFixed(0)}, store ${cpu.store.toFixed(0)}, etcd ${cpu.etcd.toFixed(0)} (load ${loadavg()[0]!.toFixed(1)})\n`,
        );
        return { load, cpu };
      });
      for (const side of SIDES) {
        const rounds = results[side];
        const cpu = (k: keyof CpuPerOp) => average(rounds.map((r) => r.cpu[k]));
        rows.push({
          name: side,
          inFlight: n,
          result: pooled(rounds.map((r) => r.load)),
          rounds: rounds.map((r) => r.load),
          cpu: { bench: cpu('bench'), store: cpu('store'), etcd: cpu('etcd') },
        });
      }
    }
  } finally {
    client?.close();
    await direct.close();
    etcd.close();
    store.child.kill('SIGTERM');
    await store.exited();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\nThe store on etcd (3 members of Debian's etcd ${'3.4'} on loopback; ${SECONDS} s a round, ${ROUNDS} interleaved rounds pooled; 512-byte values; creates)\n`,
  );
  const header = [
    '',
    'in flight',
    'ops/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU µs/op: bench',
    'store',
    'etcd',
  ];
  const body = rows.map((r) => [
    r.name,
    String(r.inFlight),
    String(perSecond(r.result)),
    r.result.p50Ms.toFixed(2),
    r.result.p99Ms.toFixed(2),
    String(r.result.errors),
    r.cpu.bench.toFixed(0),
    r.name.startsWith('store') ? r.cpu.store.toFixed(0) : '-',
    r.cpu.etcd.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  console.log('');
  for (const n of LEVELS) {
    const of = (side: Side) => rows.find((r) => r.name === side && r.inFlight === n)!;
    const store = of('store over etcd, stream');
    const ratio = (side: Side) =>
      `${Math.round((100 * perSecond(store.result)) / perSecond(of(side).result))}%`;
    const byRound = store.rounds
      .map(
        (r, i) => `${Math.round((100 * perSecond(r)) / perSecond(of('etcd puts, same client').rounds[i]!))}%`,
      )
      .join(', ');
    console.log(
      `@${n}: the store over etcd makes ${ratio('etcd puts, same client')} of etcd's puts (target >= 80%; by round ${byRound}), ` +
        `${ratio('etcd txns, same client')} of etcd's create Txns and ${ratio('etcd driver in-process')} of the driver's own creates`,
    );
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}`,
  );
}
