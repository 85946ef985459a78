/**
 * Runs a real kubectl of a given minor version (the `kubectl` package's binaries beside
 * its dispatcher) against a test cluster's kubeconfig.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

/** The kubectl binary of `minor` (e.g. '1.32'); throws, never skips, when it is not installed. */
export function kubectlBinary(minor: string): string {
  const path = `${KUBECTL_DIR}/kubectl.${minor}`;
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: install the "kubectl" package from Google's apt repository`);
  }
  return path;
}

/** The kubeconfig, and a discovery cache of the test's own (not the user's ~/.kube/cache). */
function common(kubeconfig: string): string[] {
  return ['--kubeconfig', kubeconfig, '--cache-dir', join(dirname(kubeconfig), 'kubectl-cache')];
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function kubectl(
  binary: string,
  kubeconfig: string,
  args: readonly string[],
  input?: string,
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      [...common(kubeconfig), ...args],
      { timeout: 30_000, env: { ...process.env, KUBECTL_COMMAND_HEADERS: 'false' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A long-running kubectl (get -w, proxy): its output so far, a wait for a pattern in it, and stop(). */
export interface RunningKubectl {
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

export function startKubectl(binary: string, kubeconfig: string, args: readonly string[]): RunningKubectl {
  const child: ChildProcess = spawn(binary, [...common(kubeconfig), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    output: () => out,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`kubectl ${args.join(' ')} did not print ${pattern} in time; it printed:\n${out}`),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
