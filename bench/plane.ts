/**
 * The whole plane for the scale benchmarks (density, soak, chaos): a store, an apiserver,
 * a scheduler, a controller manager and one or more simulated-kubelet hosts, each
 * `wheelhouse <component>` in its own process with the command line `wheelhouse up` gives
 * it (cli/up/components.ts), on ports fixed at start so that a restarted process comes
 * back where its clients look for it.
 *
 * Each process is supervised as `up` supervises its children: one that exits without
 * being asked to (SIGKILLed, or a component that lost its lease and ended, as
 * kube-scheduler does) is started again after a short back-off. Every process is
 * killed by pid when the plane stops, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiserverComponent,
  type ClusterLayout,
  type ComponentSpec,
  controllerManagerComponent,
  LOOPBACK,
  nodeArgs,
  schedulerComponent,
  simulatedKubeletComponent,
  storeComponent,
} from '../cli/up/components.js';
import { type Clientset, createClientset } from '../sdk/client/typed-client.js';
import { type ClientConfig, writeClientConfig } from '../sdk/client-config.js';
import { type CertFiles, ensureClusterPki } from '../sdk/pki/index.js';
import { freePort } from '../test/free-port.js';
import { scrape } from '../test/scrape.js';
import { startCuttingProxy } from './cutting-proxy.js';

const root = new URL('..', import.meta.url).pathname;
const ENTRY = join(root, 'bin', 'wheelhouse.js');

/** One supervised component process. */
export interface PlaneProcess {
  readonly name: string;
  /** The pid of the current incarnation (0 while it is down). */
  readonly pid: number;
  /** How many times it was started. */
  readonly starts: number;
  /** CPU seconds of every incarnation so far (utime + stime). */
  cpuSeconds(): number;
  /** Resident bytes of the current incarnation (0 while it is down). */
  residentBytes(): number;
  /** The last 200 kB it wrote. */
  output(): string;
  /** Sends `signal` to the current incarnation; the supervisor starts a new one if it exits. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves once the current incarnation is ready (started and answering). */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops it for good: SIGTERM, SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export interface PlaneOptions {
  /** Simulated nodes in all. */
  readonly nodes: number;
  /** Processes the nodes are spread over (default 1). */
  readonly simulatorHosts?: number;
  /** Parent of the data dir (default the system's temporary directory). */
  readonly tmpDir?: string;
  /** WHEELHOUSE_LOG_LEVEL of every process (default error). */
  readonly logLevel?: string;
  /** Leader election timings of the scheduler and the controller manager (default kube's: 15s, 10s, 2s). */
  readonly leaseDuration?: string;
  readonly renewDeadline?: string;
  readonly retryPeriod?: string;
  /** Extra flags per component name (`store`, `apiserver`, `scheduler`, `controller-manager`, `kubelet-simulator`). */
  readonly extraArgs?: Readonly<Record<string, readonly string[]>>;
  /**
   * Components (scheduler, controller manager, simulators) reach the apiserver through a
   * relay whose connections `cutConnections()` cuts (chaos); default false.
   */
  readonly relay?: boolean;
  /** Called with a line when a process exits unasked and is restarted. */
  readonly onRestart?: (name: string, code: number | null, signal: string | null) => void;
}

export interface Plane {
  readonly dir: string;
  readonly admin: ClientConfig;
  /** The admin's clients (closed by stop()). */
  readonly clients: Clientset;
  readonly store: PlaneProcess;
  readonly apiserver: PlaneProcess;
  readonly scheduler: PlaneProcess;
  readonly controllerManager: PlaneProcess;
  /** The simulator hosts, by prefix of their node names. */
  readonly simulators: ReadonlyMap<string, PlaneProcess>;
  /** Every component process: the control plane first, then the simulators. */
  processes(): PlaneProcess[];
  /** Starts one more simulator host of `nodes` nodes named `<prefix>-0…`; resolves once they are registered. */
  addSimulator(prefix: string, nodes: number): Promise<PlaneProcess>;
  /** Stops a simulator host for good (its Nodes stay, as a machine that went away leaves them). */
  removeSimulator(prefix: string): Promise<void>;
  /** Cuts every connection of the components to the apiserver (with `relay`); returns how many. */
  cutConnections(): number;
  /** The apiserver's /metrics text, read as the admin. */
  apiserverMetrics(): Promise<string>;
  /** The controller manager's /metrics text, read as the admin. */
  controllerManagerMetrics(): Promise<string>;
  /** Bytes under the store's data dir. */
  storeDiskBytes(): number;
  /** Runs `wheelhouse storectl ARGS` against the store (as the apiserver's client certificate); resolves with what it printed. */
  storectl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

interface Readiness {
  /** The line on stdout that says an incarnation is ready. */
  readonly line: RegExp;
  /** Or a file it writes once ready (removed before each start). */
  readonly file?: string;
}

function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function procResidentBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Bytes of every file under `dir`. */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      total += entry.isDirectory() ? diskBytes(path) : statSync(path).size;
    } catch {
      // Removed while we looked (LevelDB compaction).
    }
  }
  return total;
}

const everyProcess = new Set<ChildProcess>();

/** SIGKILLs every process any plane of this process started: for exit paths that cannot wait. */
export function killEverything(): void {
  for (const child of everyProcess)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function supervise(
  name: string,
  spec: () => ComponentSpec,
  readiness: Readiness,
  env: NodeJS.ProcessEnv,
  onRestart?: PlaneOptions['onRestart'],
): PlaneProcess {
  let child: ChildProcess | undefined;
  let out = '';
  let starts = 0;
  let stopped = false;
  let cpuOfEnded = 0;
  let readyNow: Promise<void> = Promise.resolve();
  let markReady: () => void = () => undefined;
  const start = () => {
    if (readiness.file) rmSync(readiness.file, { force: true });
    readyNow = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const c = spawn(process.execPath, nodeArgs(spec(), ENTRY), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    everyProcess.add(c);
    child = c;
    starts++;
    let seen = '';
    const keep = (d: Buffer) => {
      out += d.toString();
      if (out.length > 400_000) out = out.slice(-200_000);
    };
    c.stdout?.on('data', (d: Buffer) => {
      keep(d);
      if (seen.length < 100_000) {
        seen += d.toString();
        if (readiness.line.test(seen)) markReady();
      }
    });
    c.stderr?.on('data', keep);
    const poll =
      readiness.file === undefined
        ? undefined
        : setInterval(() => {
            try {
              if (readFileSync(readiness.file as string, 'utf8').trim() !== '') markReady();
            } catch {
              // Not yet written.
            }
          }, 50);
    let lastCpu = 0;
    const cpuPoll = setInterval(() => {
      lastCpu = procCpuSeconds(c.pid ?? 0) || lastCpu;
    }, 500);
    c.once('exit', (code, signal) => {
      clearInterval(poll);
      clearInterval(cpuPoll);
      everyProcess.delete(c);
      cpuOfEnded += lastCpu;
      if (child === c) child = undefined;
      if (stopped) return;
      onRestart?.(name, code, signal);
      setTimeout(() => {
        if (!stopped) start();
      }, 200).unref();
    });
  };
  start();
  return {
    name,
    get pid() {
      return child?.pid ?? 0;
    },
    get starts() {
      return starts;
    },
    cpuSeconds: () => cpuOfEnded + (child?.pid ? procCpuSeconds(child.pid) : 0),
    residentBytes: () => (child?.pid ? procResidentBytes(child.pid) : 0),
    output: () => out,
    signal(signal) {
      child?.kill(signal);
    },
    async ready(timeoutMs = 120_000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          readyNow,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`${name} was not ready in ${timeoutMs} ms:\n${out.slice(-4000)}`)),
              timeoutMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      stopped = true;
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts the plane and resolves once every process is ready and every node registered. */
export async function startPlane(opts: PlaneOptions): Promise<Plane> {
  const dir = mkdtempSync(join(opts.tmpDir ?? tmpdir(), 'wheelhouse-plane-'));
  const pki = ensureClusterPki(dir, { nodes: [] });
  const layout: ClusterLayout = {
    dataDir: dir,
    pki,
    host: LOOPBACK,
    storePort: await freePort(),
    apiserverPort: await freePort(),
    storeMetricsPort: await freePort(),
    apiserverMetricsPort: await freePort(),
  };
  const server = `${LOOPBACK}:${layout.apiserverPort}`;
  const relay = opts.relay ? await startCuttingProxy(LOOPBACK, layout.apiserverPort) : undefined;
  const configFor = (cert: CertFiles, via = server): ClientConfig => ({
    server: via,
    certificateAuthority: pki.caFile,
    clientCertificate: cert.certFile,
    clientKey: cert.keyFile,
  });
  const componentServer = relay ? `${LOOPBACK}:${relay.port}` : server;
  const writeConfig = (file: string, cert: CertFiles) => {
    const path = join(dir, file);
    writeClientConfig(path, configFor(cert, componentServer));
    return path;
  };
  const admin = configFor(pki.admin);
  const env = { ...process.env, WHEELHOUSE_LOG_LEVEL: opts.logLevel ?? 'error' };
  const extra = (name: string) => opts.extraArgs?.[name] ?? [];
  const withExtra = (spec: ComponentSpec): ComponentSpec => ({
    ...spec,
    args: [...spec.args, ...extra(spec.name)],
  });
  const leaderElection = [
    '--leader-elect-lease-duration',
    opts.leaseDuration ?? '15s',
    '--leader-elect-renew-deadline',
    opts.renewDeadline ?? '10s',
    '--leader-elect-retry-period',
    opts.retryPeriod ?? '2s',
  ];
  const portFile = join(dir, 'store.port');
  const started: PlaneProcess[] = [];
  const simulators = new Map<string, PlaneProcess>();
  const simulatorConfig = writeConfig('kubelet-simulator.yaml', pki.kubeletSimulator);
  const schedulerPort = await freePort();
  const controllerManagerPort = await freePort();
  const simulatorSpec = (prefix: string, nodes: number) =>
    withExtra(
      simulatedKubeletComponent(layout, { nodes, kubeconfig: simulatorConfig, healthPort: 0, prefix }),
    );
  const clients = createClientset(admin, { component: 'bench-plane' });

  const plane: Plane = {
    dir,
    admin,
    clients,
    get store() {
      return started[0] as PlaneProcess;
    },
    get apiserver() {
      return started[1] as PlaneProcess;
    },
    get scheduler() {
      return started[2] as PlaneProcess;
    },
    get controllerManager() {
      return started[3] as PlaneProcess;
    },
    simulators,
    processes: () => [...started, ...simulators.values()],
    async addSimulator(prefix, nodes) {
      if (simulators.has(prefix)) throw new Error(`a simulator host with prefix ${prefix} runs already`);
      const p = supervise(
        `kubelet-simulator ${prefix}`,
        () => simulatorSpec(prefix, nodes),
        { line: /kubelet-simulator registered \d+ nodes/ },
        env,
        opts.onRestart,
      );
      simulators.set(prefix, p);
      await p.ready(Math.max(120_000, nodes * 200));
      return p;
    },
    async removeSimulator(prefix) {
      const p = simulators.get(prefix);
      simulators.delete(prefix);
      await p?.stop();
    },
    cutConnections: () => relay?.cut() ?? 0,
    async apiserverMetrics() {
      const res = await scrape(`https://${LOOPBACK}:${layout.apiserverMetricsPort}/metrics`, {
        ca: pki.caFile,
        cert: pki.admin,
      });
      if (res.status !== 200) throw new Error(`the apiserver's /metrics answered ${res.status}: ${res.body}`);
      return res.body;
    },
    async controllerManagerMetrics() {
      const res = await scrape(`https://${LOOPBACK}:${controllerManagerPort}/metrics`, {
        ca: pki.caFile,
        cert: pki.admin,
      });
      if (res.status !== 200)
        throw new Error(`the controller manager's /metrics answered ${res.status}: ${res.body}`);
      return res.body;
    },
    storeDiskBytes: () => diskBytes(join(dir, 'store')),
    async storectl(...args) {
      const child = spawn(
        process.execPath,
        [ENTRY, 'storectl', '--endpoint', `${LOOPBACK}:${layout.storePort}`, '--data-dir', dir, ...args],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`storectl ${args.join(' ')} exited ${code}: ${text}`);
      return text;
    },
    async stop() {
      clients.close();
      for (const p of [...simulators.values(), ...[...started].reverse()]) await p.stop();
      killEverything();
      await relay?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    started.push(
      supervise(
        'store',
        () =>
          withExtra({
            ...storeComponent(layout),
            args: [...storeComponent(layout).args, '--port-file', portFile],
          }),
        { line: /(?!)/, file: portFile },
        env,
        opts.onRestart,
      ),
    );
    await plane.store.ready();
    started.push(
      supervise(
        'apiserver',
        () => withExtra(apiserverComponent(layout)),
        { line: /apiserver listening on/ },
        env,
        opts.onRestart,
      ),
    );
    await plane.apiserver.ready();
    const schedulerConfig = writeConfig('scheduler.yaml', pki.scheduler);
    const cmConfig = writeConfig('controller-manager.yaml', pki.controllerManager);
    started.push(
      supervise(
        'scheduler',
        () => {
          const spec = schedulerComponent(layout, { kubeconfig: schedulerConfig, schedulerPort });
          return withExtra({ ...spec, args: [...spec.args, ...leaderElection] });
        },
        { line: /health and metrics on/ },
        env,
        opts.onRestart,
      ),
    );
    started.push(
      supervise(
        'controller-manager',
        () => {
          const spec = controllerManagerComponent(layout, { kubeconfig: cmConfig, controllerManagerPort });
          return withExtra({ ...spec, args: [...spec.args, ...leaderElection] });
        },
        { line: /health and metrics on/ },
        env,
        opts.onRestart,
      ),
    );
    await plane.scheduler.ready();
    await plane.controllerManager.ready();
    const hosts = Math.max(1, opts.simulatorHosts ?? 1);
    await Promise.all(
      Array.from({ length: hosts }, (_, h) => {
        const nodes = Math.floor(opts.nodes / hosts) + (h < opts.nodes % hosts ? 1 : 0);
        return plane.addSimulator(hosts === 1 ? 'sim-node' : `sim-${h}`, nodes);
      }),
    );
  } catch (err) {
    await plane.stop().catch(() => undefined);
    throw err;
  }
  writeClientConfig(join(dir, 'admin.yaml'), admin);
  return plane;
}
