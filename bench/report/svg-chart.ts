/**
 * Line charts as inline SVG, drawn here so that a report is one self-contained file that
 * opens from disk with no network: axes with round ticks, one polyline per series,
 * vertical markers (phases, faults) and a legend.
 */

export interface Series {
  readonly name: string;
  /** [x, y] points, x ascending; NaN y leaves a gap. */
  readonly points: readonly (readonly [number, number])[];
}

export interface Marker {
  readonly x: number;
  readonly label: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly markers?: readonly Marker[];
  /** A horizontal line (a target). */
  readonly target?: { readonly y: number; readonly label: string };
  readonly width?: number;
  readonly height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** About `count` round tick values covering [min, max]. */
export function ticks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function format(v: number): string {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return String(Number(v.toPrecision(4)));
}

/** The chart as an `<svg>` element. */
export function lineChart(opts: ChartOptions): string {
  const width = opts.width ?? 760;
  const height = opts.height ?? 300;
  const pad = { left: 64, right: 16, top: 28, bottom: 44 };
  const all = opts.series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  const yMax = Math.max(...ys, opts.target?.y ?? 0, 1e-9) * 1.05;
  const yMin = 0;
  const px = (x: number) => pad.left + ((x - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const py = (y: number) =>
    height - pad.bottom - ((y - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(opts.title)}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(opts.title)}</text>`,
  );
  for (const t of ticks(yMin, yMax)) {
    const y = py(t).toFixed(1);
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${pad.left - 6}" y="${y}" dy="4" text-anchor="end" font-size="11">${format(t)}</text>`,
    );
  }
  for (const t of ticks(xMin, xMax, 8)) {
    const x = px(t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${height - pad.bottom}" y2="${height - pad.bottom + 4}" stroke="#333"/>`,
      `<text x="${x}" y="${height - pad.bottom + 16}" text-anchor="middle" font-size="11">${format(t)}</text>`,
    );
  }
  parts.push(
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeXml(opts.xLabel)}</text>`,
    `<text transform="translate(14 ${(pad.top + height - pad.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(opts.yLabel)}</text>`,
  );
  for (const m of opts.markers ?? []) {
    if (m.x < xMin || m.x > xMax) continue;
    const x = px(m.x).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#999" stroke-dasharray="4 3"/>`,
      `<text x="${x}" y="${pad.top + 10}" dx="3" font-size="10" fill="#555">${escapeXml(m.label)}</text>`,
    );
  }
  if (opts.target) {
    const y = py(opts.target.y).toFixed(1);
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="#d62728" stroke-dasharray="6 4"/>`,
      `<text x="${width - pad.right}" y="${y}" dy="-4" text-anchor="end" font-size="10" fill="#d62728">${escapeXml(opts.target.label)}</text>`,
    );
  }
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    let path = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${px(x).toFixed(1)} ${py(y).toFixed(1)}`;
      pen = true;
    }
    if (path) parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    const ly = pad.top + 4 + i * 14;
    parts.push(
      `<rect x="${width - pad.right - 150}" y="${ly}" width="10" height="3" fill="${color}"/>`,
      `<text x="${width - pad.right - 136}" y="${ly + 4}" font-size="11">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
