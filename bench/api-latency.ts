/**
 * API call latency from the apiserver's own metrics: the gRPC server histogram
 * `grpc_server_handling_seconds` (sdk/server/metrics.ts), whose service names the
 * resource (`wheelhouse.core.v1.PodService` → pods) and whose method names the verb
 * (`Create`, `List`, `UpdateStatus`, …). Percentiles are estimated from the buckets as
 * Prometheus' histogram_quantile does (linear within a bucket), on the difference of
 * two scrapes so that a phase is measured alone.
 */
import { kinds, pluralOf, serviceNameOf } from '../sdk/kinds.js';

/** Cumulative bucket counts of one (service, method), by upper bound. */
export type Histograms = Map<string, Map<number, number>>;

const LINE = /^grpc_server_handling_seconds_bucket\{([^}]*)\}\s+(\S+)/;

function label(labels: string, name: string): string {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
}

const kindsByService = new Map(kinds.map((k) => [serviceNameOf(k), k]));

/** `<Verb> <resource>` of an RPC: `CreatePod` of PodService → `Create pods`, `UpdatePodStatus` → `UpdateStatus pods`. */
export function callOf(service: string, method: string): string {
  const info = kindsByService.get(service);
  if (!info) return `${method} ${service.replace(/^.*\./, '')}`;
  const verb = method.replace(pluralOf(info), '').replace(info.kind, '');
  return `${verb} ${pluralOf(info).toLowerCase()}`;
}

/**
 * The histograms of unary calls and of items of pipelined streams (each a call of its
 * unary equivalent: a `CreatePods` item is a `CreatePod`) in a /metrics text, keyed
 * `<verb> <resource>`.
 */
export function parseHistograms(text: string): Histograms {
  const out: Histograms = new Map();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = m[1] ?? '';
    const type = label(labels, 'grpc_type');
    if (type !== 'unary' && type !== 'stream_item') continue;
    const key = callOf(label(labels, 'grpc_service'), label(labels, 'grpc_method'));
    const le = label(labels, 'le');
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    const buckets = out.get(key) ?? new Map<number, number>();
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(m[2]));
    out.set(key, buckets);
  }
  return out;
}

/** `after - before`, bucket by bucket. */
export function subtract(after: Histograms, before: Histograms): Histograms {
  const out: Histograms = new Map();
  for (const [key, buckets] of after) {
    const prev = before.get(key);
    const diff = new Map<number, number>();
    for (const [le, n] of buckets) diff.set(le, n - (prev?.get(le) ?? 0));
    out.set(key, diff);
  }
  return out;
}

export interface CallLatency {
  /** `<Verb> <resource>`, e.g. `Create pods`. */
  readonly call: string;
  readonly count: number;
  /** Seconds. */
  readonly p50: number;
  readonly p99: number;
}

/** The q-quantile of cumulative buckets (seconds); the largest finite bound when it falls in +Inf. */
export function quantile(buckets: ReadonlyMap<number, number>, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? buckets.get(bounds.at(-1) ?? 0) ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound) ?? 0;
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return prevBound;
      return prevBound + ((bound - prevBound) * (rank - prevCount)) / Math.max(count - prevCount, 1e-9);
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

/** Every call made at least once, slowest p99 first. */
export function callLatencies(h: Histograms): CallLatency[] {
  const out: CallLatency[] = [];
  for (const [call, buckets] of h) {
    const count = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
    if (count <= 0) continue;
    out.push({ call, count, p50: quantile(buckets, 0.5), p99: quantile(buckets, 0.99) });
  }
  return out.sort((a, b) => b.p99 - a.p99);
}

/** Whether a verb changes state (Kubernetes' "mutating" calls of its API latency SLO). */
export function isMutating(call: string): boolean {
  return /^(Create|Update|UpdateStatus|Patch|Delete|DeleteCollection|Bind|Evict|Create\w+)\b/.test(call);
}

/** The slowest mutating call (made at least 5 times) and its p99 in ms, in a metrics difference. */
export function slowestMutating(h: Histograms): { call: string; ms: number } {
  let worst = { call: '-', ms: 0 };
  for (const c of callLatencies(h))
    if (isMutating(c.call) && c.count >= 5 && c.p99 * 1000 > worst.ms)
      worst = { call: c.call, ms: c.p99 * 1000 };
  return worst;
}
