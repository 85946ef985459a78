/**
 * The HTML page of a density or soak run: a summary table and plots (pod startup latency
 * percentiles and pods/s over time, memory and CPU of every component over time), one
 * self-contained `index.html` beside the run's raw data (`data.json`), viewable from the
 * data folder in any browser with no network.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Timeline } from '../timeline.js';
import { escapeXml, lineChart, type Marker, type Series } from './svg-chart.js';

export interface ReportInput {
  readonly title: string;
  /** What was run, e.g. the command line and the machine. */
  readonly subtitle: string;
  /** Figure rows: label, value, target (or ''), whether it was met (undefined: no target). */
  readonly rows: readonly (readonly [string, string, string, boolean | undefined])[];
  readonly timeline: Timeline;
  /** Pod startup latency target, ms (drawn on the latency plot). */
  readonly startupTargetMs?: number;
  /** Figures as numbers, for a script comparing runs: written to `data.json` only. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Pod startup latencies (ms) by the window in which the pod was seen running, and pods running per second. */
function startupSeries(timeline: Timeline, windowS: number): { latency: Series[]; rate: Series[] } {
  const byWindow = new Map<number, number[]>();
  for (const [observedS, latencyMs] of timeline.startups) {
    const w = Math.floor(observedS / windowS) * windowS;
    const list = byWindow.get(w) ?? [];
    list.push(latencyMs);
    byWindow.set(w, list);
  }
  const windows = [...byWindow.keys()].sort((a, b) => a - b);
  const pct = (p: number) =>
    windows.map((w) => {
      const s = [...(byWindow.get(w) ?? [])].sort((a, b) => a - b);
      return [
        w + windowS / 2,
        s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN,
      ] as const;
    });
  return {
    latency: [
      { name: 'p50', points: pct(50) },
      { name: 'p90', points: pct(90) },
      { name: 'p99', points: pct(99) },
    ],
    rate: [
      {
        name: 'pods seen running /s',
        points: windows.map((w) => [w + windowS / 2, (byWindow.get(w)?.length ?? 0) / windowS] as const),
      },
    ],
  };
}

/** The page's HTML text. */
export function renderReport(input: ReportInput): string {
  const { timeline } = input;
  const duration = timeline.samples.at(-1)?.t ?? 60;
  const windowS = Math.max(2, Math.round(duration / 120));
  const markers: Marker[] = timeline.marks.map(([t, label]) => ({ x: t, label }));
  const startup = startupSeries(timeline, windowS);
  const names = [...new Set(timeline.samples.flatMap((s) => Object.keys(s.rssMiB)))];
  const perComponent = (pick: (s: Timeline['samples'][number], name: string) => number): Series[] =>
    names.map((name) => ({ name, points: timeline.samples.map((s) => [s.t, pick(s, name)] as const) }));
  const cpuSeries = names.map((name) => ({
    name,
    points: timeline.samples.slice(1).map((s, i) => {
      const prev = timeline.samples[i];
      const dt = s.t - (prev?.t ?? 0);
      const used = (s.cpuSeconds[name] ?? Number.NaN) - (prev?.cpuSeconds[name] ?? Number.NaN);
      return [s.t, dt > 0 && used >= 0 ? (100 * used) / dt : Number.NaN] as const;
    }),
  }));
  const charts = [
    lineChart({
      title: `Pod startup latency (created → seen Running), ${windowS} s windows`,
      xLabel: 'seconds since start',
      yLabel: 'ms',
      series: startup.latency,
      markers,
      ...(input.startupTargetMs
        ? { target: { y: input.startupTargetMs, label: `target p99 ${input.startupTargetMs} ms` } }
        : {}),
    }),
    lineChart({
      title: 'Pods started per second',
      xLabel: 'seconds since start',
      yLabel: 'pods/s',
      series: startup.rate,
      markers,
    }),
    lineChart({
      title: 'Pods live and running',
      xLabel: 'seconds since start',
      yLabel: 'pods',
      series: [
        { name: 'live', points: timeline.samples.map((s) => [s.t, s.pods] as const) },
        { name: 'running', points: timeline.samples.map((s) => [s.t, s.running] as const) },
      ],
      markers,
    }),
    ...(timeline.apiP99?.length
      ? [
          lineChart({
            title: 'Slowest mutating API call p99 (apiserver /metrics), per sample period',
            xLabel: 'seconds since start',
            yLabel: 'ms',
            series: [{ name: 'mutating p99', points: timeline.apiP99 }],
            markers,
            target: { y: 250, label: 'target 250 ms' },
          }),
        ]
      : []),
    lineChart({
      title: 'Resident memory per component',
      xLabel: 'seconds since start',
      yLabel: 'MiB',
      series: perComponent((s, name) => s.rssMiB[name] ?? Number.NaN),
      markers,
    }),
    lineChart({
      title: 'CPU per component',
      xLabel: 'seconds since start',
      yLabel: '% of a core',
      series: cpuSeries,
      markers,
    }),
  ];
  const row = ([label, value, target, ok]: ReportInput['rows'][number]) =>
    `<tr><td>${escapeXml(label)}</td><td class="num">${escapeXml(value)}</td><td>${escapeXml(target)}</td><td class="${ok === false ? 'missed' : 'ok'}">${ok === undefined ? '' : ok ? 'ok' : 'MISSED'}</td></tr>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(input.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin-bottom: 24px; }
td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.missed { color: #d62728; font-weight: bold; }
td.ok { color: #2ca02c; }
.charts svg { display: block; margin: 0 0 16px 0; border: 1px solid #eee; }
</style>
</head>
<body>
<h1>${escapeXml(input.title)}</h1>
<p>${escapeXml(input.subtitle)}</p>
<table>
<tr><th>figure</th><th>value</th><th>target</th><th></th></tr>
${input.rows.map(row).join('\n')}
</table>
<div class="charts">
${charts.join('\n')}
</div>
<p>Raw samples: <a href="data.json">data.json</a>.</p>
</body>
</html>
`;
}

/** Writes `DIR/index.html` and `DIR/data.json`; returns the page's path. */
export function writeReport(dir: string, input: ReportInput): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'data.json'),
    JSON.stringify({ title: input.title, rows: input.rows, ...input.data, ...input.timeline }),
  );
  const path = join(dir, 'index.html');
  writeFileSync(path, renderReport(input));
  return path;
}
