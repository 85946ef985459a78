/**
 * Finds the control plane's processes that the kubelet started from `up`'s manifests: `up`
 * did not spawn them, so it reads /proc for the command lines it wrote. A component's
 * process runs `<node> [node flags] <script> <component> ...` with a flag under the data
 * dir; the runtime's wrappers around it (`sh`, `unshare`) start with another executable,
 * so they do not match. Linux only: elsewhere nothing is found.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ComponentMatch {
  /** The Node executable the manifests name. */
  readonly node: string;
  /** bin/wheelhouse.js, as the manifests name it. */
  readonly script: string;
  /** Some argument must lie under this directory (the cluster's data dir). */
  readonly dataDir: string;
}

/** The argv of a process, or undefined once it is gone (or where there is no /proc). */
function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/** Which component (`store`, `apiserver`, ...) `argv` runs, or undefined if it is none of this cluster's. */
export function componentOf(argv: readonly string[], match: ComponentMatch): string | undefined {
  if (argv[0] !== match.node) return undefined;
  const at = argv.indexOf(match.script);
  if (at < 0) return undefined;
  if (!argv.some((a) => a.startsWith(`${match.dataDir}/`))) return undefined;
  return argv[at + 1];
}

/** Every running process of this cluster's control plane, by component name (lowest pid first). */
export function findComponentProcesses(match: ComponentMatch): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const argv = argvOf(pid);
    const name = argv && componentOf(argv, match);
    if (!name) continue;
    out.set(
      name,
      [...(out.get(name) ?? []), pid].sort((a, b) => a - b),
    );
  }
  return out;
}
