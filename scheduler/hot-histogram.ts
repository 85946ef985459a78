/**
 * A Prometheus histogram for the scheduling cycle's hot path, registered on a prom-client
 * Registry beside its other metrics and exposed as they are. prom-client's Histogram
 * checks, sorts and hashes the labels on every observation — a few microseconds, and the
 * scheduler observes several per pod; here the series of one label set is looked up by
 * its values (`labels(...)`, which callers keep), and an observation is a bucket search
 * and three additions.
 *
 * Invariant: `counts[i]` holds the observations in (buckets[i-1], buckets[i]] (the last
 * slot those above every bound); the exposition accumulates them into `le` buckets.
 */
import type { Metric, Registry } from 'prom-client';

export interface HistogramSeries {
  observe(value: number): void;
  /** Observations so far. */
  readonly count: number;
}

class Series implements HistogramSeries {
  readonly counts: Float64Array;
  count = 0;
  sum = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sum += value;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
  }
}

interface ValuePair {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export class HotHistogram {
  // What prom-client's Registry reads of a metric.
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bySeries = new Map<string, Series>();
  private readonly bounds: readonly number[];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
    // prom-client's type lists its own classes; the Registry uses only name, help,
    // type, aggregator, get() and reset(), which this implements.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values, in `labelNames` order; made on first use. */
  labels(...values: string[]): HistogramSeries {
    if (values.length !== this.labelNames.length)
      throw new Error(`${this.name}: ${this.labelNames.length} label values expected, got ${values.length}`);
    const key = values.join('\u0000');
    let s = this.bySeries.get(key);
    if (s === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => {
        labels[n] = values[i] as string;
      });
      s = new Series(labels, this.bounds);
      this.bySeries.set(key, s);
    }
    return s;
  }

  /** Every series as prom-client's exposition wants it: cumulative `le` buckets, `_sum`, `_count`. */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ValuePair[];
  }> {
    const values: ValuePair[] = [];
    for (const s of this.bySeries.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i] as number;
        values.push({
          value: acc,
          labels: { le: this.bounds[i] as number, ...s.labels },
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Zeroes every series (callers keep theirs: they stay valid). */
  reset(): void {
    for (const s of this.bySeries.values()) s.reset();
  }
}
