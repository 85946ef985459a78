/**
 * `npm run bench:apiserver`: the apiserver's throughput, latency, watch fan-out and
 * memory, each beside a no-op PodService served with the same gRPC bootstrap and TLS
 * in the same run (bench/noop-pod-server.ts), so that what the apiserver costs is read
 * against what the transport alone costs on this machine.
 *
 * A real store and apiserver run as separate processes (test/cluster.ts), the no-op
 * server as a third; this process is the one client. Everything is on 127.0.0.1 and
 * every loop is bounded in time. Progress goes to stderr, the table to stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Client } from '@grpc/grpc-js';
import type { ClientConfig } from '../sdk/client-config.js';
import { channelCredentials, channelOptions } from '../sdk/credentials.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import type { CreatePodResponse, ListPodsResponse } from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { ListOptions } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import { typesOf } from '../sdk/kind-registry.js';
import { resolveResource } from '../sdk/kinds.js';
import { call, startCluster } from '../test/cluster.js';
import { pod } from '../test/objects.js';
import { closedLoop, type LoadResult, quantile, unary } from './load.js';
import { findChild, residentBytes } from './process-memory.js';
import { interleaved, pooledFanout, pooledLoad } from './rounds.js';
import { type FanoutResult, runFanout, SENT_AT } from './watch-fanout.js';
import { WatchConnection } from './watch-stream.js';

/** Calls in flight from the one client process. */
const CONCURRENCY = 64;
/** Length of one round of a throughput row, per server. */
const ROW_MS = 3_000;
/** Rounds of each throughput and fan-out row, alternating the servers (see rounds.ts). */
const ROUNDS = 3;
const LIST_SIZE = 10_000;
const PAGE_SIZE = 500;
const WATCHERS = 1_000;
const WATCH_CHANNELS = 8;
/** A rate this machine's transport can carry, then the issue's (500 events/s to 1,000 watchers: 500k deliveries/s), last because it floods the no-op reference. */
const WATCH_RATES = [50, 500];
/** Measured time of one round of a fan-out row. */
const WATCH_MS = 5_000;
/** Creates at the same rate before the measured ones (see FanoutOptions.warmupMs). */
const WATCH_WARMUP_MS = 3_000;
const MEMORY_PODS = 30_000;

const SECTIONS = ['creates', 'gets', 'lists', 'fanout', 'memory'] as const;

const usage = `Usage: npm run bench:apiserver -- [--only SECTIONS] [--rounds N] [--watch-rates LIST] [--profile-dir DIR]

  --only LIST         comma-separated sections to run: ${SECTIONS.join(',')} (default: all)
  --rounds N          rounds of each throughput and fan-out row, alternating the two servers
                      and pooled (default: ${ROUNDS})
  --watch-rates LIST  comma-separated creates/s of the fan-out rows (default: ${WATCH_RATES.join(',')})
  --watch-batch-window MS
                      the apiserver's --watch-batch-window, and the reference's (default: 20)
  --profile-dir DIR   write V8 CPU profiles of the store, apiserver and no-op server
                      (node --cpu-prof) into DIR, for finding where the time goes
`;

const here = new URL('.', import.meta.url).pathname;
const progress = (line: string) => process.stderr.write(`${line}\n`);

interface Row {
  readonly name: string;
  readonly apiserver: string;
  readonly reference: string;
  readonly target: string;
  /** undefined when the row has no target. */
  readonly met: boolean | undefined;
}

/** One Pod client on its own connection: channels are not shared between clients. */
function podClient(config: ClientConfig): Client {
  const Ctor = typesOf(resolveResource('pods')!).client;
  return new Ctor(config.server, channelCredentials(config), {
    ...channelOptions(config),
    'grpc.use_local_subchannel_pool': 1,
  });
}

/** A Pod to create, from a template built once: a copy with a new name and annotations. */
function podNamed(template: Pod, namespace: string, name: string, annotations?: Record<string, string>): Pod {
  return {
    ...template,
    metadata: template.metadata && {
      ...template.metadata,
      namespace,
      name,
      annotations: annotations ?? template.metadata.annotations,
    },
  };
}

function createRequest(p: Pod) {
  return { pod: p, dryRun: false };
}

async function startNoop(
  pki: { certFile: string; keyFile: string },
  caFile: string,
  podFile: string,
  batchWindowMs: number,
) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'noop-pod-server.ts'),
      '--cert',
      pki.certFile,
      '--key',
      pki.keyFile,
      '--ca',
      caFile,
      '--pod-file',
      podFile,
      '--list-size',
      String(LIST_SIZE),
      '--batch-window-ms',
      String(batchWindowMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the no-op server did not start in time')), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /noop listening on (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the no-op server exited with ${code}`));
    });
  });
  return { child, address };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// ---- figures ------------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const ms = (n: number) => (n < 10 ? fmt(n, 2) : n < 100 ? fmt(n, 1) : fmt(n, 0));
const rate = (r: LoadResult) => r.ok / r.seconds;

function throughput(r: LoadResult): string {
  const errors = r.errors > 0 ? `, ${r.errors} errors (${r.firstError})` : '';
  return `${fmt(rate(r))}/s (p50 ${ms(quantile(r.latenciesMs, 0.5))} ms, p99 ${ms(quantile(r.latenciesMs, 0.99))} ms${errors})`;
}

function latency(r: LoadResult): string {
  const errors = r.errors > 0 ? `, ${r.errors} errors (${r.firstError})` : '';
  return `p50 ${ms(quantile(r.latenciesMs, 0.5))} ms, p99 ${ms(quantile(r.latenciesMs, 0.99))} ms (n=${r.ok}${errors})`;
}

function fanout(r: FanoutResult): string {
  const lost = r.expected - r.delivered;
  const issues = [
    lost > 0 ? `${fmt(lost)} of ${fmt(r.expected)} not delivered` : '',
    r.watchErrors > 0 ? `${r.watchErrors} watches failed (${r.firstWatchError})` : '',
    r.writeErrors > 0 ? `${r.writeErrors} creates failed (${r.firstWriteError})` : '',
  ].filter((s) => s !== '');
  const perMessage = r.messages > 0 ? r.delivered / r.messages : 0;
  return `p50 ${ms(quantile(r.latenciesMs, 0.5))} ms, p99 ${ms(quantile(r.latenciesMs, 0.99))} ms, ${fmt(r.delivered / (r.writeSeconds || 1))} deliveries/s in ${fmt(r.messages / (r.writeSeconds || 1))} messages/s (${perMessage.toFixed(1)} events each)${issues.length ? `; ${issues.join('; ')}` : ''}`;
}

const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MiB`;

function printTable(rows: readonly Row[], notes: readonly string[]): void {
  const header = ['', 'apiserver', 'no-op reference', 'target', 'met'];
  const cells = rows.map((r) => [
    r.name,
    r.apiserver,
    r.reference,
    r.target,
    r.met === undefined ? '—' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((s, i) => s.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
  process.stdout.write(`${out.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
}

// ---- the run ------------------------------------------------------------------------------------

interface Side {
  readonly side: 'apiserver' | 'no-op';
  readonly client: Client;
  readonly config: ClientConfig;
}

type Pair = Record<Side['side'], LoadResult>;

/** A throughput row measured in interleaved rounds (rounds.ts). */
function throughputRounds(
  both: readonly Side[],
  rounds: number,
  label: string,
  run: (client: Client) => Promise<LoadResult>,
): Promise<Record<Side['side'], LoadResult[]>> {
  const bySide = new Map(both.map((s) => [s.side, s]));
  return interleaved(['apiserver', 'no-op'] as const, rounds, (side, round) => {
    progress(`${label} against ${side}, round ${round + 1} of ${rounds}, ${ROW_MS / 1000} s`);
    return run(bySide.get(side)!.client);
  });
}

/** The pooled figures of both servers, the target met on the pooled rates, and each round's share. */
function throughputRow(name: string, results: Record<Side['side'], LoadResult[]>, share: number): Row {
  const apiserver = pooledLoad(results.apiserver);
  const reference = pooledLoad(results['no-op']);
  const shares = results.apiserver.map(
    (r, i) => `${Math.round((100 * rate(r)) / rate(results['no-op'][i]!))}%`,
  );
  return {
    name,
    apiserver: `${throughput(apiserver)}; by round ${shares.join(', ')} of the no-op's`,
    reference: throughput(reference),
    target: `≥ ${share * 100}% of no-op`,
    met: rate(apiserver) >= share * rate(reference),
  };
}

function parseFlags(): { only: Set<string>; rounds: number; watchRates: number[]; batchWindowMs: number } {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: SECTIONS.join(',') },
      rounds: { type: 'string', default: String(ROUNDS) },
      'watch-rates': { type: 'string', default: WATCH_RATES.join(',') },
      'watch-batch-window': { type: 'string', default: '20' },
      'profile-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const only = new Set((values.only ?? '').split(',').map((s) => s.trim()));
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section "${s}"\n${usage}`);
  }
  const dir = values['profile-dir'];
  if (dir) {
    // The child processes inherit the environment: each writes its profile when it exits.
    // (--cpu-prof itself is not allowed in NODE_OPTIONS.)
    process.env.BENCH_PROFILE_DIR = resolve(dir);
    process.env.NODE_OPTIONS =
      `${process.env.NODE_OPTIONS ?? ''} --import ${join(here, 'cpu-profile.mjs')}`.trim();
  }
  const watchRates = (values['watch-rates'] ?? '').split(',').map(Number);
  if (watchRates.some((r) => !Number.isInteger(r) || r <= 0)) throw new Error(`bad --watch-rates\n${usage}`);
  const batchWindowMs = Number(values['watch-batch-window']);
  if (!Number.isInteger(batchWindowMs) || batchWindowMs < 0)
    throw new Error(`bad --watch-batch-window\n${usage}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bad --rounds\n${usage}`);
  return { only, rounds, watchRates, batchWindowMs };
}

const loop = (opts: { maxOps?: number; durationMs?: number; concurrency?: number } = {}) => ({
  concurrency: opts.concurrency ?? CONCURRENCY,
  durationMs: opts.durationMs ?? ROW_MS,
  ...(opts.maxOps !== undefined ? { maxOps: opts.maxOps } : {}),
});

async function main(): Promise<void> {
  const { only, rounds, watchRates, batchWindowMs } = parseFlags();
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  progress('starting store and apiserver');
  const cluster = await startCluster({ apiserverArgs: [`--watch-batch-window=${batchWindowMs}ms`] });
  let noop: ChildProcess | undefined;
  const clients: Client[] = [];
  try {
    const apiserverPid = findChild(['apiserver', '--store-servers', `127.0.0.1:${cluster.storePort}`]);
    const namespaces = cluster.client('namespaces');
    for (const name of [
      'bench',
      'bench-list',
      ...watchRates.map((r) => `bench-watch-${r}`),
      'bench-memory',
    ]) {
      await call(namespaces, 'createNamespace', { namespace: { metadata: { name } } });
    }
    const api = podClient(cluster.admin);
    clients.push(api);
    // The no-op server answers with a Pod the apiserver created, so responses weigh the same.
    const template = pod('template', { namespace: 'bench' });
    // How many pods the apiserver holds, for the memory row.
    let pods = 0;
    const createOn = (
      client: Client,
      namespace: string,
      name: string,
      annotations?: Record<string, string>,
    ) =>
      unary(client, 'createPod', createRequest(podNamed(template, namespace, name, annotations))).then(() => {
        if (client === api) pods++;
      });

    const sample = await unary<CreatePodResponse>(api, 'createPod', createRequest(template));
    pods++;
    const podFile = join(cluster.dir, 'noop-pod.json');
    writeFileSync(podFile, JSON.stringify(Pod.toJSON(sample.pod!)));
    const podBytes = Pod.encode(sample.pod!).finish().length;
    progress(`a created Pod is ${podBytes} bytes encoded`);
    progress('starting the no-op reference server');
    const reference = await startNoop(cluster.pki.apiserver, cluster.pki.caFile, podFile, batchWindowMs);
    noop = reference.child;
    const refConfig = { ...cluster.admin, server: reference.address };
    const ref = podClient(refConfig);
    clients.push(ref);
    const both: Side[] = [
      { side: 'apiserver', client: api, config: cluster.admin },
      { side: 'no-op', client: ref, config: refConfig },
    ];
    const rows: Row[] = [];

    // Warm both servers (and this client) up so that the rows do not measure the JIT.
    for (const { side, client } of both) {
      progress(`warming up ${side}`);
      await closedLoop(loop({ durationMs: 1_000 }), (i) => createOn(client, 'bench', `warm-${i}`));
      await closedLoop(loop({ durationMs: 1_000 }), () =>
        unary(client, 'getPod', { namespace: 'bench', name: 'template', resourceVersion: '' }),
      );
    }

    let created = 0;
    if (only.has('creates')) {
      // Names go on from round to round on each server: c-0, c-1, … are then all on the apiserver.
      const next = new Map<Client, number>();
      const creates = await throughputRounds(both, rounds, 'creates', (client) => {
        const from = next.get(client) ?? 0;
        return closedLoop(loop(), (i) => {
          next.set(client, Math.max(next.get(client) ?? 0, from + i + 1));
          return createOn(client, 'bench', `c-${from + i}`);
        });
      });
      created = next.get(api) ?? 0;
      rows.push(throughputRow('creates/s', creates, 0.5));
    }

    if (only.has('gets')) {
      // The default consistent read (the watch cache once a progress request shows it current), and resourceVersion "0".
      const nameOf = (i: number) => (created > 0 ? `c-${i % created}` : 'template');
      for (const rv of ['', '0']) {
        const gets = await throughputRounds(both, rounds, `gets (resourceVersion "${rv}")`, (client) =>
          closedLoop(loop(), (i) =>
            unary(client, 'getPod', { namespace: 'bench', name: nameOf(i), resourceVersion: rv }),
          ),
        );
        rows.push(
          throughputRow(
            rv === ''
              ? 'gets/s (consistent: watch cache after RequestProgress)'
              : 'gets/s (resourceVersion=0, watch cache)',
            gets,
            0.8,
          ),
        );
      }
    }

    if (only.has('lists')) rows.push(...(await listRows(both, (i) => createOn(api, 'bench-list', `l-${i}`))));

    // The reference's footprint, before the fan-out fills its write buffers.
    const referenceRss = residentBytes(noop.pid!);

    if (only.has('fanout')) {
      for (const rate of watchRates) {
        const namespace = `bench-watch-${rate}`;
        const bySide = new Map(both.map((s) => [s.side, s]));
        let names = 0;
        const fanouts = await interleaved(['apiserver', 'no-op'] as const, rounds, async (side, round) => {
          const { client, config } = bySide.get(side)!;
          progress(
            `watch fan-out on ${side}, round ${round + 1} of ${rounds}: ${WATCHERS} watchers over ${WATCH_CHANNELS} channels, ${rate} creates/s for ${WATCH_MS / 1000} s after ${WATCH_WARMUP_MS / 1000} s of warm-up`,
          );
          const connections = Array.from({ length: WATCH_CHANNELS }, () => new WatchConnection(config));
          const prefix = `r${names++}-`;
          const result = await runFanout({
            connections,
            watchers: WATCHERS,
            namespace,
            rate,
            durationMs: WATCH_MS,
            warmupMs: WATCH_WARMUP_MS,
            graceMs: 10_000,
            create: (name, sentAt) => createOn(client, namespace, prefix + name, { [SENT_AT]: sentAt }),
            progress,
          });
          for (const c of connections) c.close();
          return result;
        });
        const pooled = {
          apiserver: pooledFanout(fanouts.apiserver),
          'no-op': pooledFanout(fanouts['no-op']),
        };
        const fanoutMet = (r: FanoutResult) =>
          r.delivered === r.expected && r.watchErrors === 0 && quantile(r.latenciesMs, 0.99) < 100;
        const p99s = (rs: FanoutResult[]) =>
          `; p99 by round ${rs.map((r) => ms(quantile(r.latenciesMs, 0.99))).join(', ')} ms`;
        rows.push({
          name: `watch fan-out: ${fmt(WATCHERS)} watchers, ${rate} creates/s`,
          apiserver: fanout(pooled.apiserver) + p99s(fanouts.apiserver),
          reference: fanout(pooled['no-op']) + p99s(fanouts['no-op']),
          target: 'p99 < 100 ms, all delivered',
          met: fanoutMet(pooled.apiserver),
        });
      }
    }

    if (only.has('memory')) {
      const more = Math.max(0, MEMORY_PODS - pods);
      progress(`loading ${more} more pods (${MEMORY_PODS} in all) into namespace bench-memory`);
      await closedLoop(loop({ maxOps: more, durationMs: 180_000 }), (i) =>
        createOn(api, 'bench-memory', `m-${i}`),
      );
      await new Promise((r) => setTimeout(r, 2_000));
      const rss = residentBytes(apiserverPid);
      rows.push({
        name: `apiserver RSS with ${fmt(pods)} pods`,
        apiserver: mib(rss),
        reference: `${mib(referenceRss)} (holding ${fmt(LIST_SIZE)} pods)`,
        target: '< 1 GiB',
        met: rss < 1024 ** 3,
      });
    }

    const storeRss = residentBytes(findChild(['store', '--port-file', join(cluster.dir, 'store.port')]));
    printTable(rows, [
      `One client process with ${CONCURRENCY} calls in flight on one connection for the throughput rows, one call at a time for the list rows; everything on 127.0.0.1.`,
      `Throughput and fan-out rows: ${rounds} rounds (${ROW_MS / 1000} s, fan-out ${WATCH_MS / 1000} s measured) per server, alternating the two servers, pooled: all calls over all seconds, percentiles over every latency.`,
      'Both servers use the same gRPC bootstrap and TLS: the apiserver serving certificate, client certificates requested (not required), the admin client certificate presented.',
      `The no-op reference answers fixed messages (a Pod the apiserver created; ${fmt(LIST_SIZE)} copies of it for lists) and forwards creates to its watchers: the per-call cost of the transport alone.`,
      `Watch delivery is measured from sending the create (time in an annotation) to the watcher receiving the event, after ${WATCH_WARMUP_MS / 1000} s of creates at the same rate whose events are delivered and counted but not timed; watchers spread over ${WATCH_CHANNELS} connections; a Pod is ${fmt(podBytes)} bytes encoded; events of a burst travel together for at most ${batchWindowMs} ms (--watch-batch-window).`,
      `Store RSS ${mib(storeRss)}; ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; load average ${fmt(loadBefore, 1)} at the start, ${fmt(loadavg()[0] ?? 0, 1)} at the end; run took ${fmt((performance.now() - started) / 1000)} s.`,
    ]);
  } finally {
    for (const c of clients) c.close();
    if (noop) await stopChild(noop);
    await cluster.stop();
  }
}

/** Lists of LIST_SIZE pods, whole (from the watch cache) and in pages (from the store). */
async function listRows(both: readonly Side[], load: (i: number) => Promise<unknown>): Promise<Row[]> {
  progress(`loading ${LIST_SIZE} pods into namespace bench-list`);
  const loaded = await closedLoop(loop({ maxOps: LIST_SIZE, durationMs: 120_000 }), load);
  if (loaded.ok !== LIST_SIZE) throw new Error(`loaded ${loaded.ok} pods: ${loaded.firstError}`);
  const lists = {} as Pair;
  const pages = {} as Pair;
  const walks = {} as Pair;
  const listOnce = (client: Client, options: Partial<ListOptions>) =>
    unary<ListPodsResponse>(client, 'listPods', {
      namespace: 'bench-list',
      options: ListOptions.fromPartial(options),
    });
  for (const { side, client } of both) {
    progress(`lists of ${LIST_SIZE} pods from ${side}`);
    const first = await listOnce(client, {});
    if (first.items.length !== LIST_SIZE) throw new Error(`${side} listed ${first.items.length} pods`);
    lists[side] = await closedLoop(loop({ maxOps: 20, concurrency: 1 }), () => listOnce(client, {}));
    progress(`paged lists (limit ${PAGE_SIZE}) from ${side}`);
    const pageLatencies: number[] = [];
    walks[side] = await closedLoop(loop({ maxOps: 10, concurrency: 1 }), async () => {
      let token = '';
      let count = 0;
      do {
        const t0 = performance.now();
        const page = await listOnce(client, { limit: String(PAGE_SIZE), continue: token });
        pageLatencies.push(performance.now() - t0);
        count += page.items.length;
        token = page.metadata?.continue ?? '';
      } while (token !== '');
      if (count !== LIST_SIZE) throw new Error(`${side} paged through ${count} pods`);
    });
    pages[side] = { ...walks[side], ok: pageLatencies.length, latenciesMs: Float64Array.from(pageLatencies) };
  }
  const row = (name: string, pair: Pair): Row => ({
    name,
    apiserver: latency(pair.apiserver),
    reference: latency(pair['no-op']),
    target: '—',
    met: undefined,
  });
  return [
    row(`list of ${fmt(LIST_SIZE)} pods (watch cache)`, lists),
    row(`  paged, limit=${PAGE_SIZE}: per page (store)`, pages),
    row(`  paged, limit=${PAGE_SIZE}: all ${LIST_SIZE / PAGE_SIZE} pages`, walks),
  ];
}

await main();
