/**
 * Runs the control plane's processes side by side: starts them in order, each
 * once the one before is healthy, prefixes their output with their name, and
 * stops them in reverse order (SIGTERM, then SIGKILL after a grace period).
 * A process that exits on its own while the others run is a failure of the whole.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { LinePrefixer } from './line-prefixer.js';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Its environment (default: the supervisor's own). */
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves once the process serves; rejects when it cannot tell (the supervisor retries until the timeout). */
  readonly ready: () => Promise<boolean>;
  /** How long it has to exit after SIGTERM (default: the supervisor's stopGraceMs). */
  readonly stopGraceMs?: number;
}

export interface SupervisorOptions {
  /** How long a process may take to become healthy. */
  readonly startTimeoutMs?: number;
  /** How long a process has to exit after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number;
  /** Where prefixed output goes; the supervisor's own messages go there too. */
  readonly write: (text: string) => void;
}

interface Running {
  readonly spec: ProcessSpec;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly flush: () => void;
}

export class Supervisor {
  private readonly running: Running[] = [];
  private stopping = false;
  private readonly failure: Promise<Error>;
  private fail: (err: Error) => void = () => {};
  private readonly width: number;

  constructor(
    /** The names of the processes to come, to align their output. */
    names: readonly string[],
    private readonly options: SupervisorOptions,
  ) {
    this.width = Math.max(...names.map((n) => n.length));
    this.failure = new Promise<Error>((resolve) => {
      this.fail = resolve;
    });
  }

  /** Resolves with the first unexpected exit of a process; never while stopping. */
  get failed(): Promise<Error> {
    return this.failure;
  }

  /** The process id of a started process. */
  pidOf(name: string): number | undefined {
    return this.running.find((r) => r.spec.name === name)?.child.pid;
  }

  /** Starts one process and waits until it is healthy; rejects if it exits or times out first. */
  async start(spec: ProcessSpec): Promise<void> {
    if (this.stopping) throw new Error(`not starting ${spec.name}: stopping`);
    const child = spawn(spec.command, spec.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(spec.env ? { env: spec.env } : {}),
      // A process group of its own: Ctrl-C in a terminal reaches the supervisor
      // only, which then stops the processes in order instead of all at once.
      detached: true,
    });
    const prefix = `${spec.name.padEnd(this.width)} | `;
    const out = new LinePrefixer(prefix, this.options.write);
    const err = new LinePrefixer(prefix, this.options.write);
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', () => resolve({ code: null, signal: null }));
    });
    const running: Running = {
      spec,
      child,
      exited,
      flush: () => {
        out.flush();
        err.flush();
      },
    };
    this.running.push(running);
    void exited.then(({ code, signal }) => {
      running.flush();
      if (!this.stopping) {
        this.fail(
          new Error(
            `${spec.name} exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`,
          ),
        );
      }
    });

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    while (!this.stopping) {
      const outcome = await Promise.race([
        spec.ready().catch(() => false),
        exited.then(() => 'exited' as const),
      ]);
      // A health check can answer false faster than the exit is noticed: check both.
      if (outcome === 'exited' || gone) throw await this.failure;
      if (outcome === true) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${spec.name} did not become healthy within ${(this.options.startTimeoutMs ?? 60_000) / 1000}s`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`stopped while ${spec.name} was starting`);
  }

  /** Stops every process, last started first. Safe to call more than once. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const r of [...this.running].reverse()) await this.stopOne(r);
  }

  /** SIGKILL to whatever still runs, synchronously: for a supervisor exiting in a hurry. */
  killAll(): void {
    for (const r of this.running) {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
  }

  private async stopOne(r: Running): Promise<void> {
    if (r.child.exitCode !== null || r.child.signalCode !== null) return;
    r.child.kill('SIGTERM');
    const grace = r.spec.stopGraceMs ?? this.options.stopGraceMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), grace);
    });
    const outcome = await Promise.race([r.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.options.write(`${r.spec.name} did not stop within ${grace / 1000}s; killing it\n`);
      r.child.kill('SIGKILL');
      await r.exited;
    }
    // Output still buffered in the pipes arrives after exit; let it through before moving on.
    await Promise.all(
      [r.child.stdout, r.child.stderr].map((s) => (s && !s.closed ? once(s, 'close') : undefined)),
    );
    r.flush();
  }
}
