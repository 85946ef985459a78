/**
 * `npm run bench:rest`: the Kubernetes REST API beside the gRPC API of the same
 * apiserver, in the same run: gets of one pod and creates of pods (throughput with a
 * fixed number of calls in flight for a fixed time), and lists of many pods as JSON and
 * as a `meta.k8s.io/v1` Table (latency of one list at a time).
 *
 * A real store and apiserver run as separate processes (test/cluster.ts, TLS, the REST
 * API on its own port); this process is the one client, presenting the admin's client
 * certificate over both protocols. gRPC goes through the SDK's typed client; REST goes
 * over HTTP/2 (node:http2, one session kept open, as client-go and kubectl talk) — the
 * headline — and over HTTP/1.1 with keep-alive (one socket per call in flight). Rows
 * alternate the protocols in rounds (rounds.ts) so that a passing disturbance of the
 * shared machine lands on all of them alike. Progress goes to stderr, the table to stdout.
 */
import { readFileSync } from 'node:fs';
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClientset } from '../sdk/client/index.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { call, startCluster } from '../test/cluster.js';
import { pod } from '../test/objects.js';
import { closedLoop, type LoadResult, quantile } from './load.js';
import { interleaved, pooledLoad } from './rounds.js';

/** What `kubectl get` asks for: the server's table of the kind. */
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface Sizes {
  /** Calls in flight for the throughput rows. */
  readonly concurrency: number;
  /** Length of one round of a throughput row, per protocol. */
  readonly rowMs: number;
  readonly rounds: number;
  /** Pods in the listed namespace. */
  readonly listSize: number;
  /** Lists timed per protocol and form. */
  readonly lists: number;
}

const FULL: Sizes = { concurrency: 32, rowMs: 3_000, rounds: 3, listSize: 10_000, lists: 12 };
const QUICK: Sizes = { concurrency: 8, rowMs: 300, rounds: 1, listSize: 100, lists: 3 };

/** REST's share of gRPC's throughput that gets and creates must reach. */
const THROUGHPUT_SHARE = 0.7;
/** How many times gRPC's list latency a REST list may take. */
const LIST_FACTOR = 1.5;

const usage = `Usage: npm run bench:rest -- [--quick] [--profile-dir DIR]

  --quick            small sizes (${QUICK.listSize} pods listed, ${QUICK.rowMs} ms rows): checks that the run works
  --profile-dir DIR  write V8 CPU profiles of the store and the apiserver (node --cpu-prof)
                     into DIR, for finding where the time goes
`;

const here = new URL('.', import.meta.url).pathname;
const progress = (line: string) => process.stderr.write(`${line}\n`);

// ---- the REST clients ---------------------------------------------------------------------------

interface RestResponse {
  readonly status: number;
  readonly body: string;
}

/** One way of sending REST requests: HTTP/2 on one session, or HTTP/1.1 keep-alive. */
interface RestTransport {
  readonly name: string;
  request(method: string, path: string, opts?: { body?: string; accept?: string }): Promise<RestResponse>;
  close(): void;
}

interface Tls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function createHttp2Transport(origin: string, tls: Tls): RestTransport {
  let session: ClientHttp2Session | undefined;
  const sessionOf = (): ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    const s = connect(origin, { ...tls });
    s.on('error', () => {});
    session = s;
    return s;
  };
  return {
    name: 'HTTP/2',
    request(method, path, opts = {}) {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = {
          [constants.HTTP2_HEADER_METHOD]: method,
          [constants.HTTP2_HEADER_PATH]: path,
          accept: opts.accept ?? 'application/json',
        };
        if (opts.body !== undefined) headers['content-type'] = 'application/json';
        const stream = sessionOf().request(headers, { endStream: opts.body === undefined });
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (h) => {
          status = Number(h[constants.HTTP2_HEADER_STATUS]);
        });
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        stream.on('error', reject);
        if (opts.body !== undefined) stream.end(opts.body);
      });
    },
    close() {
      session?.close();
    },
  };
}

function createHttp1Transport(origin: string, tls: Tls, sockets: number): RestTransport {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, ALPNProtocols: ['http/1.1'], ...tls });
  const url = new URL(origin);
  return {
    name: 'HTTP/1.1',
    request(method, path, opts = {}) {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
        if (opts.body !== undefined) {
          headers['content-type'] = 'application/json';
          headers['content-length'] = String(Buffer.byteLength(opts.body));
        }
        const req = httpsRequest(
          { agent, host: url.hostname, port: url.port, method, path, headers },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(opts.body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** The parsed body of a successful response; a failed one throws with the server's Status message. */
async function restJson<T>(
  transport: RestTransport,
  method: string,
  path: string,
  opts?: { body?: string; accept?: string },
): Promise<T> {
  const res = await transport.request(method, path, opts);
  if (res.status < 200 || res.status > 299) {
    let message = res.body.slice(0, 300);
    try {
      message = (JSON.parse(res.body) as { message?: string }).message ?? message;
    } catch {}
    throw new Error(`${method} ${path}: HTTP ${res.status}: ${message}`);
  }
  return JSON.parse(res.body) as T;
}

// ---- figures ------------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const ms = (n: number) => (n < 10 ? fmt(n, 2) : n < 100 ? fmt(n, 1) : fmt(n, 0));
const rate = (r: LoadResult) => r.ok / r.seconds;
const errorsOf = (r: LoadResult) => (r.errors > 0 ? `, ${r.errors} errors (${r.firstError})` : '');

function throughput(r: LoadResult): string {
  return `${fmt(rate(r))}/s (p50 ${ms(quantile(r.latenciesMs, 0.5))} ms${errorsOf(r)})`;
}

function latency(r: LoadResult): string {
  return `p50 ${ms(quantile(r.latenciesMs, 0.5))} ms, p90 ${ms(quantile(r.latenciesMs, 0.9))} ms (n=${r.ok}${errorsOf(r)})`;
}

interface Row {
  readonly operation: string;
  readonly grpc: string;
  readonly rest: string;
  /** REST's figure over gRPC's: throughput share, or latency factor. */
  readonly ratio: string;
  readonly target: string;
  readonly met: boolean;
}

function printTable(rows: readonly Row[], notes: readonly string[]): void {
  const header = ['operation', 'gRPC', 'REST', 'ratio', 'target', 'met'];
  const cells = rows.map((r) => [r.operation, r.grpc, r.rest, r.ratio, r.target, r.met ? 'met' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((s, i) => s.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
  process.stdout.write(`${out.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
}

function throughputRow(operation: string, grpc: LoadResult, rest: LoadResult): Row {
  const share = rate(rest) / rate(grpc);
  return {
    operation,
    grpc: throughput(grpc),
    rest: throughput(rest),
    ratio: `${Math.round(share * 100)}%`,
    target: `≥ ${THROUGHPUT_SHARE * 100}% of gRPC`,
    met: share >= THROUGHPUT_SHARE && rest.errors === 0,
  };
}

function listRow(operation: string, grpc: LoadResult, rest: LoadResult): Row {
  const factor = quantile(rest.latenciesMs, 0.5) / quantile(grpc.latenciesMs, 0.5);
  return {
    operation,
    grpc: latency(grpc),
    rest: latency(rest),
    ratio: `${factor.toFixed(2)}×`,
    target: `≤ ${LIST_FACTOR}× gRPC (p50)`,
    met: factor <= LIST_FACTOR && rest.errors === 0,
  };
}

// ---- the run ------------------------------------------------------------------------------------

function parseFlags(): Sizes & { quick: boolean } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'profile-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const dir = values['profile-dir'];
  if (dir) {
    // The child processes inherit the environment: each writes its profile when it exits.
    process.env.BENCH_PROFILE_DIR = resolve(dir);
    process.env.NODE_OPTIONS =
      `${process.env.NODE_OPTIONS ?? ''} --import ${join(here, 'cpu-profile.mjs')}`.trim();
  }
  return { ...(values.quick ? QUICK : FULL), quick: values.quick ?? false };
}

type Protocol = 'gRPC' | 'HTTP/2' | 'HTTP/1.1';
const PROTOCOLS: readonly Protocol[] = ['gRPC', 'HTTP/2', 'HTTP/1.1'];

/** A Pod as Kubernetes' JSON writes it, to POST: a created one without what the server sets. */
type PodJson = { metadata: Record<string, unknown> } & Record<string, unknown>;

async function main(): Promise<void> {
  const sizes = parseFlags();
  const started = performance.now();
  const loadBefore = loadavg();
  progress('starting store and apiserver (gRPC and REST)');
  const cluster = await startCluster({ rest: true });
  const tls: Tls = {
    ca: readFileSync(cluster.pki.caFile),
    cert: readFileSync(cluster.pki.admin.certFile),
    key: readFileSync(cluster.pki.admin.keyFile),
  };
  const clientset = createClientset(cluster.admin, { component: 'bench-rest' });
  const h2 = createHttp2Transport(cluster.rest, tls);
  const h1 = createHttp1Transport(cluster.rest, tls, sizes.concurrency);
  const rest: Record<Exclude<Protocol, 'gRPC'>, RestTransport> = { 'HTTP/2': h2, 'HTTP/1.1': h1 };
  try {
    const pods = clientset.kind<Pod>('Pod');
    const namespaces = cluster.client('namespaces');
    for (const name of ['bench', 'bench-list']) {
      await call(namespaces, 'createNamespace', { namespace: { metadata: { name } } });
    }
    const template = pod('template', { namespace: 'bench' });
    await pods.create(template);
    const created = await restJson<PodJson>(h2, 'GET', '/api/v1/namespaces/bench/pods/template');
    const { resourceVersion, uid, creationTimestamp, managedFields, generation, ...metadata } =
      created.metadata;
    const { status, ...restTemplate } = created;
    const podJson = (name: string) => JSON.stringify({ ...restTemplate, metadata: { ...metadata, name } });
    const grpcPod = (name: string): Pod => ({
      ...template,
      metadata: template.metadata && { ...template.metadata, name },
    });

    const loop = (opts: { durationMs?: number; maxOps?: number; concurrency?: number } = {}) => ({
      concurrency: opts.concurrency ?? sizes.concurrency,
      durationMs: opts.durationMs ?? sizes.rowMs,
      ...(opts.maxOps !== undefined ? { maxOps: opts.maxOps } : {}),
    });
    // Pod names go on across rounds and protocols: every create makes a new pod.
    let names = 0;
    const create = (p: Protocol) => {
      const name = `c-${names++}`;
      if (p === 'gRPC') return pods.create(grpcPod(name));
      return restJson(rest[p], 'POST', '/api/v1/namespaces/bench/pods', { body: podJson(name) });
    };
    const get = (p: Protocol) =>
      p === 'gRPC'
        ? pods.get('bench', 'template')
        : restJson(rest[p], 'GET', '/api/v1/namespaces/bench/pods/template');

    // Warm the server and this client up on every protocol so that the rows do not measure the JIT.
    for (const p of PROTOCOLS) {
      progress(`warming up ${p}`);
      await closedLoop(loop({ durationMs: Math.min(1_000, sizes.rowMs) }), () => create(p));
      await closedLoop(loop({ durationMs: Math.min(1_000, sizes.rowMs) }), () => get(p));
    }

    const rows: Row[] = [];
    const measure = async (label: string, op: (p: Protocol) => Promise<unknown>) => {
      const results = await interleaved(PROTOCOLS, sizes.rounds, (p, round) => {
        progress(`${label} over ${p}, round ${round + 1} of ${sizes.rounds}, ${sizes.rowMs / 1000} s`);
        return closedLoop(loop(), () => op(p));
      });
      return {
        grpc: pooledLoad(results.gRPC),
        h2: pooledLoad(results['HTTP/2']),
        h1: pooledLoad(results['HTTP/1.1']),
      };
    };
    const gets = await measure('gets of one pod', get);
    rows.push(throughputRow('gets/s, REST over HTTP/2', gets.grpc, gets.h2));
    rows.push(throughputRow('gets/s, REST over HTTP/1.1', gets.grpc, gets.h1));
    const creates = await measure('creates of pods', create);
    rows.push(throughputRow('creates/s, REST over HTTP/2', creates.grpc, creates.h2));
    rows.push(throughputRow('creates/s, REST over HTTP/1.1', creates.grpc, creates.h1));

    progress(`loading ${sizes.listSize} pods into namespace bench-list`);
    const loaded = await closedLoop(
      loop({ maxOps: sizes.listSize, durationMs: 300_000, concurrency: 32 }),
      (i) =>
        pods.create({
          ...template,
          metadata: template.metadata && { ...template.metadata, namespace: 'bench-list', name: `l-${i}` },
        }),
    );
    if (loaded.ok !== sizes.listSize) throw new Error(`loaded ${loaded.ok} pods: ${loaded.firstError}`);
    // Each list is read whole and decoded, as a client would: protobuf by the SDK, JSON.parse for REST.
    const listPath = '/api/v1/namespaces/bench-list/pods';
    const lists = {
      grpc: async () => {
        const l = await pods.list('bench-list');
        if (l.items.length !== sizes.listSize) throw new Error(`gRPC listed ${l.items.length} pods`);
      },
      json: async (t: RestTransport) => {
        const l = await restJson<{ items: unknown[] }>(t, 'GET', listPath);
        if (l.items.length !== sizes.listSize) throw new Error(`REST listed ${l.items.length} pods`);
      },
      table: async (t: RestTransport) => {
        const l = await restJson<{ kind: string; rows: unknown[] }>(t, 'GET', listPath, {
          accept: TABLE_ACCEPT,
        });
        if (l.kind !== 'Table' || l.rows.length !== sizes.listSize)
          throw new Error(`REST listed a ${l.kind} of ${l.rows?.length} rows`);
      },
    };
    const forms = ['gRPC', 'JSON over HTTP/2', 'Table over HTTP/2', 'JSON over HTTP/1.1'] as const;
    const listOf: Record<(typeof forms)[number], () => Promise<void>> = {
      gRPC: lists.grpc,
      'JSON over HTTP/2': () => lists.json(h2),
      'Table over HTTP/2': () => lists.table(h2),
      'JSON over HTTP/1.1': () => lists.json(h1),
    };
    for (const form of forms) await listOf[form]();
    // One list at a time, the forms alternating list by list.
    const listResults = await interleaved(forms, sizes.lists, (form, i) => {
      if (form === 'gRPC')
        progress(`lists of ${sizes.listSize} pods, ${i + 1} of ${sizes.lists} in each form`);
      return closedLoop(loop({ maxOps: 1, concurrency: 1, durationMs: 60_000 }), listOf[form]);
    });
    const pooledLists = Object.fromEntries(forms.map((f) => [f, pooledLoad(listResults[f])])) as Record<
      (typeof forms)[number],
      LoadResult
    >;
    const n = fmt(sizes.listSize);
    rows.push(listRow(`list of ${n} pods, JSON, HTTP/2`, pooledLists.gRPC, pooledLists['JSON over HTTP/2']));
    rows.push(
      listRow(`list of ${n} pods, Table, HTTP/2`, pooledLists.gRPC, pooledLists['Table over HTTP/2']),
    );
    rows.push(
      listRow(`list of ${n} pods, JSON, HTTP/1.1`, pooledLists.gRPC, pooledLists['JSON over HTTP/1.1']),
    );

    const loadAfter = loadavg();
    printTable(rows, [
      `${sizes.quick ? 'QUICK RUN (--quick): sizes shrunk, the figures mean nothing. ' : ''}The headline is REST over HTTP/2 (one session kept open, streams multiplexed — how kubectl and client-go talk); HTTP/1.1 keep-alive (one socket per call in flight) is shown beside it.`,
      `gRPC through the SDK's typed client (createClientset) on one connection; the admin's client certificate over both protocols; everything on 127.0.0.1.`,
      `Throughput rows: ${sizes.concurrency} calls in flight for ${sizes.rowMs / 1000} s per round, ${sizes.rounds} round(s) per protocol alternating gRPC, HTTP/2, HTTP/1.1, pooled; gets read one pod (the default consistent read); creates each make a new pod.`,
      `List rows: ${sizes.lists} lists of ${n} pods per form, one at a time, the forms alternating list by list; each list is read whole and decoded (protobuf by the SDK, JSON.parse for REST).`,
      `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; load average (1, 5, 15 min) ${loadBefore.map((l) => fmt(l, 1)).join(', ')} at the start, ${loadAfter.map((l) => fmt(l, 1)).join(', ')} at the end; run took ${fmt((performance.now() - started) / 1000)} s.`,
    ]);
  } finally {
    h2.close();
    h1.close();
    clientset.close();
    await cluster.stop();
  }
}

await main();
