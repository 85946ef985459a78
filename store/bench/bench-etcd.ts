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
 * - etcd puts: a bare Put through the same client, what etcd itself can take.
 *
 * Every client talks to the leader first, as the store replica does when it is listed first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { interleaved } from '../../bench/rounds.js';
import { ensureStorePki } from '../../sdk/pki/index.js';
import { StoreClient } from '../client.js';
import { EtcdClient } from '../drivers/etcd-client.js';
import '../drivers/index.js';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { openBackend } from '../registry.js';
import { spawnStore } from '../spawn-store.js';
import { etcdAvailable, startEtcdCluster } from '../testing/etcd-cluster.js';
import { closedLoop, type LoadResult, pooled } from './load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LEVELS = [16, 64, 256];
const VALUE = Buffer.alloc(512, 'v');

const SIDES = ['store over etcd, stream', 'etcd driver in-process', 'etcd puts, same client'] as const;
type Side = (typeof SIDES)[number];

function putRequest(key: string): Uint8Array {
  return new BinaryWriter().uint32(10).bytes(Buffer.from(key)).uint32(18).bytes(VALUE).finish();
}

const perSecond = (r: LoadResult) => Math.round(r.ops / r.seconds);

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
  const rows: { name: string; inFlight: number; result: LoadResult; rounds: LoadResult[] }[] = [];
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
      'etcd puts, same client': () =>
        etcd.call('/etcdserverpb.KV/Put', putRequest(`/bench-put/${written++}`), 'write'),
    };
    for (const n of LEVELS) {
      const results = await interleaved(SIDES, ROUNDS, async (side, round) => {
        const result = await closedLoop(n, SECONDS * 1000, ops[side]);
        process.stderr.write(`  ${side} @${n}, round ${round + 1}/${ROUNDS}: ${perSecond(result)}/s\n`);
        return result;
      });
      for (const side of SIDES) {
        rows.push({ name: side, inFlight: n, result: pooled(results[side]), rounds: results[side] });
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
  const header = ['', 'in flight', 'ops/s', 'p50 ms', 'p99 ms', 'errors'];
  const body = rows.map((r) => [
    r.name,
    String(r.inFlight),
    String(perSecond(r.result)),
    r.result.p50Ms.toFixed(2),
    r.result.p99Ms.toFixed(2),
    String(r.result.errors),
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
      `@${n}: the store over etcd makes ${ratio('etcd puts, same client')} of etcd's puts (target >= 80%; by round ${byRound}) and ${ratio('etcd driver in-process')} of the driver's own Txns`,
    );
  }
}
