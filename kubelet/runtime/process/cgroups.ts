/**
 * The cgroups of the process runtime: one per sandbox under the runtime's
 * parent, one per container inside its sandbox's. Limits come from CRI's
 * LinuxContainerResources (memory limit, CFS quota and period, shares) and the
 * pod's pids limit, written in the layout's own files (v1 or v2).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinuxContainerResources } from '../../../sdk/gen/runtime/v1/api.js';
import type { CgroupLayout } from './host-support.js';

export interface CgroupLimits {
  resources?: LinuxContainerResources | undefined;
  pidsMax?: number | undefined;
}

export interface CgroupUsage {
  cpuUsageNanoSeconds: bigint;
  memoryUsageBytes: bigint;
  memoryWorkingSetBytes: bigint;
  memoryLimitBytes?: bigint;
  oomKills: number;
}

export interface Cgroups {
  /** Creates the cgroup (relative to the runtime's parent) and writes its limits. */
  create(path: string, limits: CgroupLimits): void;
  /** The `cgroup.procs` files a process writes `0` to in order to join the cgroup. */
  procsFiles(path: string): string[];
  usage(path: string): CgroupUsage;
  /** Removes the cgroup; true once it is gone (false while a process still holds it). */
  remove(path: string): boolean;
}

export function createCgroups(layout: CgroupLayout, parent: string): Cgroups {
  const dirs = (path: string): string[] =>
    layout.version === 2
      ? [join(layout.root, parent, path)]
      : [...new Set(Object.values(layout.roots))].map((r) => join(r, parent, path));
  const v1 = (c: 'memory' | 'cpu' | 'cpuacct' | 'pids', path: string): string =>
    layout.version === 1 ? join(layout.roots[c], parent, path) : '';
  const v2 = (path: string): string => (layout.version === 2 ? join(layout.root, parent, path) : '');

  return {
    create(path, { resources: r, pidsMax }) {
      if (layout.version === 2) {
        // Controllers must be enabled on every ancestor for the leaf to have their files.
        let dir = layout.root;
        for (const part of join(parent, path).split('/').slice(0, -1)) {
          dir = join(dir, part);
          mkdirSync(dir, { recursive: true });
          tryWrite(join(dir, 'cgroup.subtree_control'), '+memory +cpu +pids');
        }
      }
      for (const d of dirs(path)) mkdirSync(d, { recursive: true });
      const memory = r ? BigInt(r.memoryLimitInBytes) : 0n;
      const quota = r ? BigInt(r.cpuQuota) : 0n;
      const period = r && BigInt(r.cpuPeriod) > 0n ? BigInt(r.cpuPeriod) : 100000n;
      const shares = r ? BigInt(r.cpuShares) : 0n;
      if (layout.version === 1) {
        if (memory > 0n) writeFileSync(join(v1('memory', path), 'memory.limit_in_bytes'), String(memory));
        if (quota > 0n) {
          writeFileSync(join(v1('cpu', path), 'cpu.cfs_period_us'), String(period));
          writeFileSync(join(v1('cpu', path), 'cpu.cfs_quota_us'), String(quota));
        }
        if (shares > 0n) writeFileSync(join(v1('cpu', path), 'cpu.shares'), String(shares));
        if (pidsMax) writeFileSync(join(v1('pids', path), 'pids.max'), String(pidsMax));
      } else {
        const d = v2(path);
        if (memory > 0n) writeFileSync(join(d, 'memory.max'), String(memory));
        if (quota > 0n) writeFileSync(join(d, 'cpu.max'), `${quota} ${period}`);
        // Kubernetes' conversion of shares [2, 262144] to weight [1, 10000].
        if (shares > 0n) writeFileSync(join(d, 'cpu.weight'), String(1n + ((shares - 2n) * 9999n) / 262142n));
        if (pidsMax) writeFileSync(join(d, 'pids.max'), String(pidsMax));
      }
    },
    procsFiles(path) {
      return dirs(path).map((d) => join(d, 'cgroup.procs'));
    },
    usage(path) {
      if (layout.version === 1) {
        const mem = v1('memory', path);
        const usage = readBig(join(mem, 'memory.usage_in_bytes'));
        const inactive = statField(join(mem, 'memory.stat'), 'total_inactive_file');
        const limit = readBig(join(mem, 'memory.limit_in_bytes'));
        return {
          cpuUsageNanoSeconds: readBig(join(v1('cpuacct', path), 'cpuacct.usage')),
          memoryUsageBytes: usage,
          memoryWorkingSetBytes: usage > inactive ? usage - inactive : 0n,
          ...(limit > 0n && limit < 1n << 62n ? { memoryLimitBytes: limit } : {}),
          oomKills: Number(statField(join(mem, 'memory.oom_control'), 'oom_kill')),
        };
      }
      const d = v2(path);
      const usage = readBig(join(d, 'memory.current'));
      const inactive = statField(join(d, 'memory.stat'), 'inactive_file');
      const max = safeRead(join(d, 'memory.max')).trim();
      return {
        cpuUsageNanoSeconds: statField(join(d, 'cpu.stat'), 'usage_usec') * 1000n,
        memoryUsageBytes: usage,
        memoryWorkingSetBytes: usage > inactive ? usage - inactive : 0n,
        ...(max !== '' && max !== 'max' ? { memoryLimitBytes: BigInt(max) } : {}),
        oomKills: Number(statField(join(d, 'memory.events'), 'oom_kill')),
      };
    },
    remove(path) {
      let gone = true;
      for (const d of dirs(path)) {
        if (!existsSync(d)) continue;
        try {
          rmdirSync(d);
        } catch {
          gone = false; // still busy: a process is exiting
        }
      }
      return gone;
    },
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function readBig(path: string): bigint {
  const text = safeRead(path).trim();
  return /^\d+$/.test(text) ? BigInt(text) : 0n;
}

function statField(path: string, key: string): bigint {
  for (const line of safeRead(path).split('\n')) {
    const [k, v] = line.split(' ');
    if (k === key && v && /^\d+$/.test(v)) return BigInt(v);
  }
  return 0n;
}

function tryWrite(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch {
    // A controller that cannot be delegated shows up as a missing file at create().
  }
}
