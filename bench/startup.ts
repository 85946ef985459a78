/**
 * `npm run bench:startup`: how fast Wheelhouse starts, as a user meets it, beside the
 * targets of the "fast to start" goal. Every figure comes from real processes:
 *
 * - `whctl --help` and `whctl get pods` (against a running plane): wall time from
 *   spawn to exit, median of 10;
 * - `wheelhouse up` from launch to a Running pod of the README's example (applied with
 *   whctl as soon as the apiserver answers), on a fresh data dir and again on the same
 *   data dir after a clean stop;
 * - the resident memory of the whole plane idle with one node: the sum of VmRSS of
 *   every descendant of `up`, and each component's share; and the memory the plane
 *   takes, pages shared between its processes (the node binary, which each component
 *   maps) counted once: the sum of each process's private pages plus, for each mapped
 *   file region, the largest resident share of it in any one process. (PSS would split
 *   shared pages also with processes outside the plane, so it depends on what else runs.)
 *
 * Beside each time, the CPU time it took (user + system, from /proc): on a loaded machine
 * the wall time mostly measures the load, the CPU time what Wheelhouse itself costs.
 *
 * `--quick` takes one sample of each (a test runs it to prove it works); `--tmp-dir DIR`
 * puts the data dirs under DIR. Whether dist/ was used (compiled) or the sources (tsx)
 * is printed, with the load average, since both change every figure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { READY_LINE } from '../cli/up.js';
import { freePort } from '../test/free-port.js';
import { exitedWithOutput, killProcess } from '../test/processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const WHCTL = join(root, 'bin', 'whctl.js');
const WHEELHOUSE = join(root, 'bin', 'wheelhouse.js');
const MiB = 1024 * 1024;

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, 'tmp-dir': { type: 'string' } },
  strict: true,
});
const samples = values.quick ? 1 : 10;
const compiled =
  process.env.WHEELHOUSE_FROM_SOURCE !== '1' && existsSync(join(root, 'dist', 'bin', 'whctl.js'));

/** The README's example: a pod whose image names an executable on the node's PATH. */
const podManifest = (name: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: main\n      image: sleep\n      args: ["3600"]\n`;

interface Run {
  readonly ms: number;
  /** CPU time (user + system) the process used: wall time says as much about the load as about it. */
  readonly cpuMs: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `whctl args` to its end; the time is from spawn to exit. */
async function whctl(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const start = performance.now();
  const cpuBefore = endedChildrenCpuMs();
  const child = spawn(process.execPath, [WHCTL, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { ms: performance.now() - start, cpuMs: endedChildrenCpuMs() - cpuBefore, code, stdout, stderr };
}

/** Clock ticks of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

/** Fields of /proc/<pid>/stat after the command name: `state` is [0], utime [11] … cstime [14]. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time of this process's children that have ended (and been waited for), in ms. */
function endedChildrenCpuMs(): number {
  const f = statFields('self');
  return f ? (Number(f[13]) + Number(f[14])) * TICK_MS : 0;
}

/** CPU time a process used so far, with that of its children that have ended, in ms. */
function cpuMsOf(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS : 0;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median wall time and median CPU time of `samples` runs. */
async function medianOf(
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ ms: number; cpuMs: number }> {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < samples; i++) {
    const run = await whctl(args, env);
    if (run.code !== 0) throw new Error(`whctl ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    times.push(run.ms);
    cpu.push(run.cpuMs);
  }
  return { ms: median(times), cpuMs: median(cpu) };
}

/** Every live descendant of `pid` (children, their children, …), from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // It ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function residentBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process's resident pages, from /proc/<pid>/smaps: its own, and those of files it shares. */
interface Pages {
  /** Private_Clean + Private_Dirty of every mapping, and shared anonymous pages. */
  readonly own: number;
  /** Shared_Clean + Shared_Dirty by mapped file region (device, inode, offset). */
  readonly shared: Map<string, number>;
}

function pagesOf(pid: number): Pages {
  const shared = new Map<string, number>();
  let own = 0;
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return { own, shared };
  }
  let region = '';
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ ([0-9a-f]+) (\S+) (\d+)/.exec(line);
    if (header) {
      region = header[3] === '0' ? '' : `${header[2]}:${header[3]}:${header[1]}`;
      continue;
    }
    const field = /^(Shared|Private)_(?:Clean|Dirty):\s+(\d+) kB$/.exec(line);
    if (!field) continue;
    const bytes = Number(field[2]) * 1024;
    if (field[1] === 'Private' || region === '') own += bytes;
    else shared.set(region, (shared.get(region) ?? 0) + bytes);
  }
  return { own, shared };
}

/** What a process is, for the memory table: the component's name, else its command. */
function componentOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const i = argv.findIndex((a) => a.endsWith('wheelhouse.js'));
    if (i >= 0 && argv[i + 1]) return argv[i + 1]!;
    return `pod: ${argv.map((a) => a.split('/').pop()).join(' ')}`.replace(/\s+/g, ' ').slice(0, 40);
  } catch {
    return '?';
  }
}

/** One `wheelhouse up`; its processes are killed by pid whatever happens. */
interface Plane {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  readonly known: Set<number>;
}

const planes: Plane[] = [];

/** Every port `up` listens on by default is given, so that a plane already running elsewhere does not collide. */
function startPlane(dataDir: string, ports: { port: number; storePort: number; restPort: number }): Plane {
  const child = spawn(
    process.execPath,
    [
      WHEELHOUSE,
      'up',
      '--data-dir',
      dataDir,
      '--port',
      String(ports.port),
      '--store-port',
      String(ports.storePort),
      '--rest-port',
      String(ports.restPort),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (c: Buffer) => {
    output += c.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = exitedWithOutput(child);
  const plane: Plane = { child, output: () => output, exited, known: new Set([child.pid!]) };
  planes.push(plane);
  return plane;
}

/** Remembers every process of the plane, so that none outlives the benchmark. */
function remember(plane: Plane): number[] {
  const pids = descendants(plane.child.pid!);
  for (const pid of pids) plane.known.add(pid);
  for (const m of plane.output().matchAll(/\(pid (\d+)\)/g)) plane.known.add(Number(m[1]));
  return pids;
}

/** Ctrl-C, as a user stops it; then SIGKILL to whatever remains. */
async function stopPlane(plane: Plane, timeoutMs = 30_000): Promise<number | null> {
  if (plane.child.exitCode === null && plane.child.signalCode === null) {
    remember(plane);
    plane.child.kill('SIGINT');
    await Promise.race([plane.exited, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
  const code = plane.child.exitCode;
  for (const pid of plane.known) killProcess(pid);
  return code;
}

function waitForOutput(plane: Plane, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (plane.output().includes(text)) finish(resolve);
      else if (plane.child.exitCode !== null)
        finish(() => reject(new Error(`wheelhouse up exited before "${text}":\n${plane.output()}`)));
      else if (Date.now() > deadline)
        finish(() => reject(new Error(`timed out waiting for "${text}":\n${plane.output()}`)));
    }, 20);
    const deadline = Date.now() + timeoutMs;
    const finish = (then: () => void) => {
      clearInterval(timer);
      then();
    };
  });
}

/** Whether something accepts TCP connections on the loopback port: cheaper to ask than whctl. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Where the time to a Running pod went: when each step was seen, from the launch of `up`. */
interface Milestones {
  /** The apiserver's port accepts connections. */
  apiserverListening: number;
  /** `whctl apply` of the pod succeeded. */
  podCreated: number;
  /** The pod's watch showed it Running. */
  running: number;
}

interface TimeToRunning {
  readonly plane: Plane;
  readonly ms: number;
  readonly cpuMs: number;
  readonly milestones: Milestones;
  /** CPU time until Running by component (`up` itself, each component, the pods' processes). */
  readonly cpuByComponent: Map<string, number>;
}

/**
 * Launches `up` and times it until the pod shows Running: the pod is applied as soon as
 * the apiserver accepts it, then watched (`whctl get pod -w`, one process, as a user
 * would) until it runs. The benchmark polls the apiserver's port, not whctl, so that its
 * own processes take little of the CPU the plane needs meanwhile.
 */
async function timeToRunningPod(dataDir: string, pod: string): Promise<TimeToRunning> {
  const env = { ...process.env, WHEELHOUSE_CONFIG: join(dataDir, 'admin.yaml') };
  const manifest = join(dataDir, '..', `${pod}.yaml`);
  const ports = { port: await freePort(), storePort: await freePort(), restPort: await freePort() };
  const start = performance.now();
  const plane = startPlane(dataDir, ports);
  const deadline = Date.now() + 120_000;
  const milestones: Milestones = { apiserverListening: 0, podCreated: 0, running: 0 };
  let last = '';
  const check = (what: string) => {
    if (plane.child.exitCode !== null)
      throw new Error(`wheelhouse up exited while ${what}:\n${plane.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out ${what} (whctl said: ${last}):\n${plane.output()}`);
  };
  const pause = () => new Promise((r) => setTimeout(r, 50));
  writeFileSync(manifest, podManifest(pod));
  while (!(existsSync(env.WHEELHOUSE_CONFIG) && (await listening(ports.port)))) {
    check('waiting for the apiserver to listen');
    await pause();
  }
  milestones.apiserverListening = performance.now() - start;
  for (;;) {
    check('applying the pod');
    const run = await whctl(['apply', '-f', manifest], env);
    if (run.code === 0) break;
    last = run.stderr;
    await pause();
  }
  milestones.podCreated = performance.now() - start;
  const watch = spawn(process.execPath, [WHCTL, 'get', 'pod', pod, '-w', '--no-headers'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setInterval(() => {
        try {
          check('waiting for the pod to run');
        } catch (err) {
          reject(err);
        }
      }, 200);
      const finish = (then: () => void) => {
        clearInterval(timer);
        then();
      };
      watch.stdout.on('data', (c: Buffer) => {
        seen += c.toString();
        last = seen;
        if (/ Running /.test(seen)) finish(resolve);
      });
      watch.stderr.on('data', (c: Buffer) => {
        last = seen += c.toString();
      });
      watch.once('exit', (code) =>
        finish(() => reject(new Error(`whctl get pod ${pod} -w exited ${code} before Running: ${seen}`))),
      );
    });
  } finally {
    watch.kill('SIGINT');
  }
  const ms = performance.now() - start;
  milestones.running = ms;
  const cpuByComponent = new Map<string, number>([['up', cpuMsOf(plane.child.pid!)]]);
  for (const pid of descendants(plane.child.pid!)) {
    const name = componentOf(pid);
    const key = name.startsWith('pod: ') ? "the pods' processes" : name;
    cpuByComponent.set(key, (cpuByComponent.get(key) ?? 0) + cpuMsOf(pid));
  }
  const cpuMs = [...cpuByComponent.values()].reduce((a, b) => a + b, 0);
  await waitForOutput(plane, READY_LINE, Math.max(deadline - Date.now(), 1));
  remember(plane);
  return { plane, ms, cpuMs, milestones, cpuByComponent };
}

/** The breakdown under an `up → Running` figure: its steps, and the CPU of each process. */
function breakdown(run: TimeToRunning) {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  detail('CPU time of up and the plane until then', s(run.cpuMs));
  for (const [name, ms] of [...run.cpuByComponent].sort((a, b) => b[1] - a[1])) detail(`  ${name}`, s(ms));
  detail('apiserver listening', s(run.milestones.apiserverListening));
  detail('pod created (whctl apply succeeded)', s(run.milestones.podCreated));
  detail('pod Running (seen by whctl get -w)', s(run.milestones.running));
}

/** A figure with no target of its own (CPU time), shown under the one it explains. */
function detail(label: string, value: string) {
  process.stdout.write(`  ${label.padEnd(42)} ${value.padStart(10)}\n`);
}

/** One figure beside its target, with the one-minute load average when it was taken. */
function line(label: string, value: string, target: string, ok: boolean) {
  const load = loadavg()[0]!.toFixed(2);
  process.stdout.write(
    `${label.padEnd(44)} ${value.padStart(10)}   target ${target.padEnd(9)} ${(ok ? 'ok' : 'MISSED').padEnd(6)}  load ${load}\n`,
  );
}

async function main(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((l) => l.toFixed(2));
  process.stdout.write(
    `startup benchmark: ${compiled ? 'compiled (dist/)' : 'from source (tsx; run `npm run build` for dist/)'}, ` +
      `${samples} sample${samples === 1 ? '' : 's'} each, load average ${one} ${five} ${fifteen}\n\n`,
  );
  const help = await medianOf(['--help']);
  line(`whctl --help (median of ${samples})`, `${help.ms.toFixed(0)} ms`, '≤ 200 ms', help.ms <= 200);
  detail('CPU time (median)', `${help.cpuMs.toFixed(0)} ms`);

  const base = mkdtempSync(join(values['tmp-dir'] ?? tmpdir(), 'wheelhouse-bench-startup-'));
  try {
    const dataDir = join(base, 'data');
    // `up` creates the data dir: it is fresh, with no PKI and no store yet.
    const fresh = await timeToRunningPod(dataDir, 'startup-fresh');
    line('up → Running pod, fresh data dir', `${(fresh.ms / 1000).toFixed(2)} s`, '≤ 5 s', fresh.ms <= 5000);
    breakdown(fresh);

    const env = { ...process.env, WHEELHOUSE_CONFIG: join(dataDir, 'admin.yaml') };
    const get = await medianOf(['get', 'pods'], env);
    line(`whctl get pods (median of ${samples})`, `${get.ms.toFixed(0)} ms`, '≤ 300 ms', get.ms <= 300);
    detail('CPU time (median)', `${get.cpuMs.toFixed(0)} ms`);

    const pids = remember(fresh.plane);
    const shares = new Map<string, { rss: number; own: number }>();
    let total = 0;
    let own = 0;
    const sharedOnce = new Map<string, number>();
    for (const pid of pids) {
      const rss = residentBytes(pid);
      const pages = pagesOf(pid);
      total += rss;
      own += pages.own;
      for (const [region, bytes] of pages.shared)
        sharedOnce.set(region, Math.max(sharedOnce.get(region) ?? 0, bytes));
      const name = componentOf(pid);
      const share = shares.get(name) ?? { rss: 0, own: 0 };
      shares.set(name, { rss: share.rss + rss, own: share.own + pages.own });
    }
    const once = own + [...sharedOnce.values()].reduce((a, b) => a + b, 0);
    const upRss = residentBytes(fresh.plane.child.pid!);
    line(
      `plane resident memory, idle, one node (${pids.length} processes)`,
      `${(total / MiB).toFixed(0)} MiB`,
      '≤ 350 MiB',
      total <= 350 * MiB,
    );
    line(
      'plane memory, shared pages counted once',
      `${(once / MiB).toFixed(0)} MiB`,
      '≤ 350 MiB',
      once <= 350 * MiB,
    );
    process.stdout.write(`  ${''.padEnd(40)} ${'RSS'.padStart(10)} ${'private'.padStart(10)}\n`);
    for (const [name, share] of [...shares].sort((a, b) => b[1].rss - a[1].rss))
      process.stdout.write(
        `  ${name.padEnd(40)} ${(share.rss / MiB).toFixed(0).padStart(6)} MiB ${(share.own / MiB).toFixed(0).padStart(6)} MiB\n`,
      );
    process.stdout.write(
      `  ${'(up itself, not counted)'.padEnd(40)} ${(upRss / MiB).toFixed(0).padStart(6)} MiB\n`,
    );

    // A clean stop, with the first pod gone, so that the warm start runs a new pod.
    await whctl(['delete', 'pod', 'startup-fresh'], env);
    const code = await stopPlane(fresh.plane);
    if (code !== 0)
      throw new Error(`wheelhouse up did not stop cleanly (exit ${code}):\n${fresh.plane.output()}`);

    const warm = await timeToRunningPod(dataDir, 'startup-warm');
    line('up → Running pod, warm data dir', `${(warm.ms / 1000).toFixed(2)} s`, '≤ 3 s', warm.ms <= 3000);
    breakdown(warm);
    await stopPlane(warm.plane);
  } finally {
    for (const plane of planes) await stopPlane(plane, 10_000);
    rmSync(base, { recursive: true, force: true });
  }
}

// Stopped from outside: stop the planes before going.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    void Promise.all(planes.map((p) => stopPlane(p, 10_000))).finally(() => process.exit(130));
  });

await main();
