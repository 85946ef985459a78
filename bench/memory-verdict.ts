/**
 * The soak's memory verdicts: the least-squares slope of a series of (seconds, MiB)
 * samples, judged flat when the growth it predicts over the window is within the noise,
 * and the verdict on the simulated kubelet hosts, judged one host at a time.
 *
 * Why per host: the churn starts and stops hosts (each a process of 60–100 MiB), so the
 * sum of their memory moves by a host's size at every join or leave, whatever each one
 * does. A host that leaks shows in its own series; a host that started or stopped inside
 * the window has no series over the whole of it and is counted, not judged.
 */

export interface Slope {
  /** MiB per minute. */
  readonly perMinute: number;
  /** What the line predicts over the window, MiB. */
  readonly growth: number;
  /** Standard deviation of the samples around the line, MiB. */
  readonly noise: number;
  readonly mean: number;
  /** The growth allowed before the series is judged growing, MiB. */
  readonly allowed: number;
  readonly flat: boolean;
}

/** The least growth always allowed, MiB: resident memory moves by this much without anything kept. */
export const RSS_FLOOR_MIB = 8;

/**
 * Least-squares slope of (seconds, MiB) samples, judged flat when the growth it predicts
 * over the window is at most max(2 × the spread around the line, 5% of the mean, `floorMiB`).
 */
export function memorySlope(points: readonly (readonly [number, number])[], floorMiB = RSS_FLOOR_MIB): Slope {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const residual = Math.sqrt(
    points.reduce((a, [x, y]) => a + (y - (my + slope * (x - mx))) ** 2, 0) / Math.max(n - 2, 1),
  );
  const span = n > 1 ? (points.at(-1)?.[0] ?? 0) - (points[0]?.[0] ?? 0) : 0;
  const growth = slope * span;
  const allowed = Math.max(2 * residual, 0.05 * my, floorMiB);
  return { perMinute: slope * 60, growth, noise: residual, mean: my, allowed, flat: growth <= allowed };
}

/** A slope judged beside state the process holds by design, and how much of that state the fit counted. */
export interface SlopeBeside extends Slope {
  /** MiB of live memory per MiB of the state, as fitted (within [0, maxPerState]). */
  readonly perState: number;
}

/**
 * The growth in time of a series of (seconds, MiB, MiB of state) samples once what moves
 * with the state is set aside: a least-squares fit of y = a + b·t + c·state, judged on
 * b over the window as memorySlope judges its slope (the spread is around the fitted
 * plane, with one more parameter spent).
 *
 * For a process whose memory follows a state bounded by design that the workload moves
 * up and down (the apiserver's watch-cache history: the last 75 s of events, more after a
 * burst of rollouts), a plain slope over the window judges the workload's swings, not what
 * the process keeps. A leak still shows: it grows with time, not with the state. The state
 * is an estimate, so c is fitted, not assumed; it is held within [0, maxPerState] so that
 * a state that happens to rise with time through the window cannot take a leak's growth
 * for its own beyond that many MiB per MiB.
 */
export function memorySlopeBeside(
  points: readonly (readonly [number, number, number])[],
  floorMiB = RSS_FLOOR_MIB,
  maxPerState = 1.5,
): SlopeBeside {
  const n = points.length;
  const mean = (f: (p: readonly [number, number, number]) => number) =>
    points.reduce((a, p) => a + f(p), 0) / n;
  const mt = mean((p) => p[0]);
  const my = mean((p) => p[1]);
  const ms = mean((p) => p[2]);
  let stt = 0;
  let sss = 0;
  let sts = 0;
  let sty = 0;
  let ssy = 0;
  for (const [t, y, st] of points) {
    stt += (t - mt) ** 2;
    sss += (st - ms) ** 2;
    sts += (t - mt) * (st - ms);
    sty += (t - mt) * (y - my);
    ssy += (st - ms) * (y - my);
  }
  const det = stt * sss - sts * sts;
  // Both unknowns when the two are not collinear; else time alone (c = 0).
  let c = det > 1e-9 * stt * sss && sss > 0 ? (stt * ssy - sts * sty) / det : 0;
  c = Math.min(Math.max(c, 0), maxPerState);
  // With c fixed (fitted or held at a bound), b is the slope of y − c·state.
  const net = points.map(([t, y, st]) => [t, y - c * st] as const);
  const b = stt > 0 ? net.reduce((a, [t, y]) => a + (t - mt) * (y - (my - c * ms)), 0) / stt : 0;
  const residual = Math.sqrt(
    net.reduce((a, [t, y]) => a + (y - (my - c * ms) - b * (t - mt)) ** 2, 0) / Math.max(n - 3, 1),
  );
  const span = n > 1 ? (points.at(-1)?.[0] ?? 0) - (points[0]?.[0] ?? 0) : 0;
  const growth = b * span;
  const allowed = Math.max(2 * residual, 0.05 * my, floorMiB);
  return {
    perMinute: b * 60,
    growth,
    noise: residual,
    mean: my,
    allowed,
    flat: growth <= allowed,
    perState: c,
  };
}

/** One process as a sample saw it. */
export interface ProcessSample {
  readonly pid: number;
  readonly rssMiB: number;
}

export interface HostSlope {
  readonly name: string;
  readonly slope: Slope;
}

export interface HostsVerdict {
  /** Hosts seen at some sample of the window. */
  readonly seen: number;
  /** The hosts that ran, as one process, through every sample of the window, each judged on its own. */
  readonly judged: readonly HostSlope[];
  /** Whether every judged host is flat. */
  readonly flat: boolean;
}

/**
 * Judges each host that ran through the whole window as the same process (`samples`:
 * the window's samples in order, each mapping a host's name to its process then).
 */
export function judgeHosts(
  samples: readonly { readonly t: number; readonly hosts: Readonly<Record<string, ProcessSample>> }[],
): HostsVerdict {
  const seen = new Set<string>();
  for (const s of samples) for (const name of Object.keys(s.hosts)) seen.add(name);
  const judged: HostSlope[] = [];
  for (const name of seen) {
    const pid = samples[0]?.hosts[name]?.pid;
    if (pid === undefined || pid === 0) continue;
    const points: [number, number][] = [];
    for (const s of samples) {
      const p = s.hosts[name];
      if (p === undefined || p.pid !== pid) break;
      points.push([s.t, p.rssMiB]);
    }
    if (points.length !== samples.length) continue;
    judged.push({ name, slope: memorySlope(points) });
  }
  judged.sort((a, b) => b.slope.growth - b.slope.allowed - (a.slope.growth - a.slope.allowed));
  return { seen: seen.size, judged, flat: judged.every((h) => h.slope.flat) };
}
