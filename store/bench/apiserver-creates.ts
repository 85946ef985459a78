/**
 * The apiserver's creates on each storage backend, in the same run: a store and an
 * apiserver on the embedded level driver beside a store and an apiserver on a 3-member
 * etcd cluster on loopback, each taking pod creates from this process (the SDK's typed client, one
 * connection) at 64 in flight, in interleaved rounds. The ratio is what the whole write
 * path loses when the store's engine is etcd instead of LevelDB on this machine.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { findChild } from '../../bench/process-memory.js';
import { interleaved } from '../../bench/rounds.js';
import { createClientset } from '../../sdk/client/index.js';
import type { TypedClient } from '../../sdk/client/typed-client.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { pod } from '../../test/objects.js';
import { startEtcdCluster } from '../testing/etcd-cluster.js';
import { closedLoop, type LoadResult, pooled } from './load.js';
import { cpuSecondsOf, ownCpuSeconds } from './process-cpu.js';

const BACKENDS = ['level', 'etcd'] as const;
type Backend = (typeof BACKENDS)[number];

export interface ApiserverCreatesOptions {
  readonly inFlight: number;
  readonly seconds: number;
  readonly rounds: number;
}

interface Round {
  readonly load: LoadResult;
  /** CPU microseconds a create cost the apiserver, the store (not etcd) and this process. */
  readonly apiserver: number;
  readonly store: number;
  readonly bench: number;
}

/** Starts a 3-member etcd cluster and a plane on each backend, prints the table, and stops them all. */
export async function benchApiserverCreates(opts: ApiserverCreatesOptions): Promise<void> {
  process.stderr.write('starting a 3-member etcd cluster, and an apiserver on each backend…\n');
  const etcd = await startEtcdCluster();
  const etcdUrl = `etcd://${etcd.endpoints.join(',')}/bench-apiserver`;
  const clusters: Partial<Record<Backend, Cluster>> = {};
  const clientsets: ReturnType<typeof createClientset>[] = [];
  const clients: Partial<Record<Backend, TypedClient<Pod>>> = {};
  try {
    clusters.level = await startCluster();
    clusters.etcd = await startCluster({ storeArgs: ['--backend', etcdUrl] });
    for (const b of BACKENDS) {
      const set = createClientset(clusters[b]!.admin, { component: 'bench' });
      clientsets.push(set);
      clients[b] = set.kind<Pod>('Pod');
    }
    let created = 0;
    const results = await interleaved(BACKENDS, opts.rounds, async (backend, round): Promise<Round> => {
      const cluster = clusters[backend]!;
      const pods = clients[backend]!;
      const storePid = findChild(['store', '--data-dir', join(cluster.dir, 'store')]);
      const cpu = () => ({
        apiserver: cpuSecondsOf(cluster.apiserverPid),
        store: cpuSecondsOf(storePid),
        bench: ownCpuSeconds(),
      });
      let completed = 0;
      const before = cpu();
      const load = await closedLoop(opts.inFlight, opts.seconds * 1000, () =>
        pods.create(pod(`p-${created++}`)).then(() => {
          completed++;
        }),
      );
      const after = cpu();
      const micros = (k: 'apiserver' | 'store' | 'bench') =>
        (1e6 * (after[k] - before[k])) / Math.max(completed, 1);
      process.stderr.write(
        `  apiserver creates on ${backend}, round ${round + 1}/${opts.rounds}: ${Math.round(load.ops / load.seconds)}/s ` +
          `(load ${loadavg()[0]!.toFixed(1)})\n`,
      );
      return { load, apiserver: micros('apiserver'), store: micros('store'), bench: micros('bench') };
    });
    const rate = (b: Backend) => {
      const p = pooled(results[b].map((r) => r.load));
      return { p, perSecond: Math.round(p.ops / p.seconds) };
    };
    const mean = (b: Backend, k: 'apiserver' | 'store' | 'bench') =>
      (results[b].reduce((n, r) => n + r[k], 0) / results[b].length).toFixed(0);
    console.log(
      `\nThe apiserver's pod creates by backend (${opts.inFlight} in flight, ${opts.seconds} s a round, ${opts.rounds} interleaved rounds pooled)\n`,
    );
    console.log('backend  creates/s  p50 ms  p99 ms  errors  CPU µs a create: apiserver  store  bench');
    for (const b of BACKENDS) {
      const { p, perSecond } = rate(b);
      console.log(
        `${b.padEnd(7)}  ${String(perSecond).padStart(9)}  ${p.p50Ms.toFixed(2).padStart(6)}  ${p.p99Ms
          .toFixed(2)
          .padStart(
            6,
          )}  ${String(p.errors).padStart(6)}  ${mean(b, 'apiserver').padStart(26)}  ${mean(b, 'store').padStart(5)}  ${mean(b, 'bench').padStart(5)}`,
      );
    }
    console.log(
      `the apiserver on etcd makes ${Math.round((100 * rate('etcd').perSecond) / Math.max(1, rate('level').perSecond))}% of its creates on the level driver`,
    );
  } finally {
    for (const set of clientsets) set.close();
    await clusters.etcd?.stop();
    await clusters.level?.stop();
    await etcd.close();
  }
}
