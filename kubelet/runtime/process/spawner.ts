/**
 * Starts the process runtime's long-lived processes (sandbox holders, container
 * wrappers, `mkfifo`) from worker threads, never from the kubelet's main thread.
 *
 * Why: Node's `spawn` returns only once the child has called exec — libuv waits for it
 * to report a failed exec — so every spawn blocks its event loop for the child's fork
 * and exec. That is a millisecond on an idle host, but tens of milliseconds when the
 * CPUs are busy and the child waits to be scheduled. Three spawns per pod then stall
 * every other pod's work, the API watches and the status writes with it: pod startup
 * queues behind the spawns. Spawning from worker threads stalls only the worker.
 *
 * Contract:
 * - `spawn` resolves once the process runs, with its pid, or rejects when it could not
 *   start (no such file, a bad cwd);
 * - `exited` resolves when it ends, with its code or signal, as ChildProcess' `exit`;
 * - stdio entries are `'ignore'` or file descriptors of this process (fds are shared by
 *   every thread), which the caller may close once `spawn` has resolved;
 * - a worker keeps this process alive only while a spawn is being answered or a `run`
 *   waits for its end: a detached process outlives the workers, as it outlives a
 *   runtime that closes.
 */
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

export type SpawnStdio = 'ignore' | number;

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdio?: readonly [SpawnStdio, SpawnStdio, SpawnStdio];
  readonly detached?: boolean;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnedProcess {
  readonly pid: number;
  /** The exit code once it exited with one, else null (as ChildProcess.exitCode). */
  readonly exitCode: number | null;
  /** Resolves when the process ends; waiting for it does not keep this process alive. */
  readonly exited: Promise<ProcessExit>;
}

export interface Spawner {
  spawn(file: string, args: readonly string[], opts?: SpawnOptions): Promise<SpawnedProcess>;
  /** Runs a command to its end; rejects when it fails to start or exits other than 0. */
  run(file: string, args: readonly string[]): Promise<void>;
  /** Stops the workers; processes already started keep running. */
  close(): Promise<void>;
}

type Reply =
  | { id: number; kind: 'started'; pid: number }
  | { id: number; kind: 'failed'; message: string }
  | { id: number; kind: 'exit'; code: number | null; signal: NodeJS.Signals | null };

/** The worker's program (plain JavaScript: it runs the same from sources and from the bundle). */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
parentPort.on('message', (m) => {
  let child;
  try {
    child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, stdio: m.stdio, detached: m.detached });
  } catch (err) {
    parentPort.postMessage({ id: m.id, kind: 'failed', message: String(err && err.message || err) });
    return;
  }
  let started = false;
  child.once('error', (err) => {
    if (!started) parentPort.postMessage({ id: m.id, kind: 'failed', message: String(err && err.message || err) });
    else parentPort.postMessage({ id: m.id, kind: 'exit', code: null, signal: 'SIGKILL' });
  });
  child.once('exit', (code, signal) => parentPort.postMessage({ id: m.id, kind: 'exit', code, signal }));
  if (child.pid !== undefined) {
    started = true;
    parentPort.postMessage({ id: m.id, kind: 'started', pid: child.pid });
  }
  child.unref();
});
`;

interface Pending {
  readonly thread: Thread;
  /** Waited on to its end (`run`): the worker keeps the process alive until then. */
  readonly held: boolean;
  /** Its worker died: fail the start, or follow a started process' end by its pid. */
  orphaned(): void;
  resolveStart(pid: number): void;
  rejectStart(err: Error): void;
  exit(e: ProcessExit): void;
}

interface Thread {
  worker: Worker;
  /** Spawns sent and not yet answered: a new spawn goes to the least busy thread. */
  starting: number;
  /** `run`s waiting for their process' end. */
  holding: number;
}

/**
 * Resolves once the pid has ended: gone, or a zombie (its reaper was the dead thread), so
 * its exit status is no longer ours to read.
 */
async function followUntilGone(pid: number, keepAlive: boolean): Promise<void> {
  for (;;) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // The state follows the parenthesised command name.
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    } catch {
      return;
    }
    await new Promise((r) => {
      const timer = setTimeout(r, 1_000);
      if (!keepAlive) timer.unref();
    });
  }
}

export function createSpawner(opts: { threads?: number } = {}): Spawner {
  const size = Math.max(1, opts.threads ?? 2);
  const threads: Thread[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;

  const startThread = (): Thread => {
    const worker = new Worker(workerSource, { eval: true });
    const thread: Thread = { worker, starting: 0, holding: 0 };
    worker.on('message', (r: Reply) => {
      const p = pending.get(r.id);
      if (!p) return;
      if (r.kind === 'started') {
        thread.starting--;
        p.resolveStart(r.pid);
      } else if (r.kind === 'failed') {
        thread.starting--;
        if (p.held) thread.holding--;
        pending.delete(r.id);
        p.rejectStart(new Error(r.message));
      } else {
        if (p.held) thread.holding--;
        pending.delete(r.id);
        p.exit({ code: r.code, signal: r.signal });
      }
      refer(thread);
    });
    // A worker that died (or ended any other way) takes no more spawns, and nothing
    // waiting on it is left hanging.
    const orphanAll = () => {
      const i = threads.indexOf(thread);
      if (i >= 0) threads.splice(i, 1);
      for (const [id, p] of pending) {
        if (p.thread === thread) {
          pending.delete(id);
          p.orphaned();
        }
      }
    };
    worker.on('error', orphanAll);
    worker.on('exit', orphanAll);
    threads.push(thread);
    return thread;
  };

  const refer = (t: Thread) => {
    if (t.starting + t.holding > 0) t.worker.ref();
    else t.worker.unref();
  };

  const pick = (): Thread => {
    if (threads.length < size) {
      const idle = threads.find((t) => t.starting === 0);
      if (idle) return idle;
      return startThread();
    }
    return threads.reduce((a, b) => (b.starting < a.starting ? b : a));
  };

  const start = (file: string, args: readonly string[], o: SpawnOptions, held: boolean) => {
    if (closed) return Promise.reject(new Error('the spawner is closed'));
    const id = nextId++;
    const thread = pick();
    thread.starting++;
    if (held) thread.holding++;
    refer(thread);
    let exitCode: number | null = null;
    let onExit: (e: ProcessExit) => void = () => undefined;
    const exited = new Promise<ProcessExit>((resolve) => {
      onExit = (e) => {
        exitCode = e.code;
        resolve(e);
      };
    });
    return new Promise<SpawnedProcess>((resolve, reject) => {
      let pid: number | undefined;
      pending.set(id, {
        thread,
        held,
        orphaned: () => {
          if (pid === undefined) {
            reject(new Error(`${file}: the spawning thread ended before the process started`));
            return;
          }
          const known = pid;
          // A `run` is awaited to the end: its follow keeps the process alive, as its thread did.
          void followUntilGone(known, held).then(() => onExit({ code: null, signal: null }));
        },
        resolveStart: (started) => {
          pid = started;
          resolve({
            pid: started,
            get exitCode() {
              return exitCode;
            },
            exited,
          });
        },
        rejectStart: reject,
        exit: onExit,
      });
      thread.worker.postMessage({
        id,
        file,
        args: [...args],
        cwd: o.cwd,
        env: { ...(o.env ?? process.env) },
        stdio: o.stdio ? [...o.stdio] : 'ignore',
        detached: o.detached === true,
      });
    });
  };

  const spawner: Spawner = {
    spawn: (file, args, o = {}) => start(file, args, o, false),
    async run(file, args) {
      const child = await start(file, args, {}, true);
      const { code, signal } = await child.exited;
      if (code === null && signal === null)
        throw new Error(
          `${file} ${args.join(' ')} ended unseen: its thread ended first, taking its exit status`,
        );
      if (code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`);
    },
    async close() {
      closed = true;
      const all = threads.splice(0);
      await Promise.all(all.map((t) => t.worker.terminate()));
    },
  };
  return spawner;
}
