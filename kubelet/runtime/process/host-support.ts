/**
 * What isolation this host lets the process runtime enforce, found once at
 * start: pod namespaces need Linux, root and util-linux's `unshare` and
 * `nsenter`; cgroup limits need a writable cgroup hierarchy (v2 unified, or
 * v1 with the memory, cpu, cpuacct and pids controllers). Whatever is missing
 * is reported, with the reason, so the node can say what it does not enforce.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupLayout =
  | { version: 2; root: string }
  | { version: 1; roots: { memory: string; cpu: string; cpuacct: string; pids: string } };

export interface HostSupport {
  /** Pods get PID, mount, IPC and UTS namespaces; otherwise the reason they do not. */
  namespaces: { enforced: true } | { enforced: false; reason: string };
  cgroups: { enforced: true; layout: CgroupLayout } | { enforced: false; reason: string };
  unshare?: string;
  nsenter?: string;
}

export interface DetectOptions {
  /** Turns namespaces off even where they are available (for hosts and tests that want plain processes). */
  namespaces?: boolean;
  cgroups?: boolean;
  /** The folder under each cgroup hierarchy the runtime owns. */
  cgroupParent: string;
}

export function detectHostSupport(options: DetectOptions): HostSupport {
  const support: HostSupport = {
    namespaces: { enforced: false, reason: '' },
    cgroups: { enforced: false, reason: '' },
  };
  const linuxRoot =
    process.platform !== 'linux'
      ? `${process.platform} has no Linux namespaces or cgroups`
      : process.getuid?.() !== 0
        ? 'the kubelet does not run as root'
        : undefined;

  const unshare = which('unshare');
  const nsenter = which('nsenter');
  if (unshare) support.unshare = unshare;
  if (nsenter) support.nsenter = nsenter;
  if (options.namespaces === false) support.namespaces = { enforced: false, reason: 'turned off' };
  else if (linuxRoot) support.namespaces = { enforced: false, reason: linuxRoot };
  else if (!unshare || !nsenter)
    support.namespaces = {
      enforced: false,
      reason: 'unshare and nsenter (util-linux) are not on PATH; install util-linux',
    };
  else support.namespaces = probeNamespaces(unshare);

  if (options.cgroups === false) support.cgroups = { enforced: false, reason: 'turned off' };
  else if (linuxRoot) support.cgroups = { enforced: false, reason: linuxRoot };
  else support.cgroups = probeCgroups(options.cgroupParent);
  return support;
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = join(dir, name);
    if (dir !== '' && existsSync(p)) return p;
  }
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function probeNamespaces(unshare: string): HostSupport['namespaces'] {
  try {
    execFileSync(unshare, ['--pid', '--fork', '--mount-proc', '--ipc', '--uts', '--mount', 'true'], {
      stdio: 'pipe',
      timeout: 5000,
    });
    return { enforced: true };
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return { enforced: false, reason: `unshare cannot create namespaces here: ${stderr || String(err)}` };
  }
}

function probeCgroups(parent: string): HostSupport['cgroups'] {
  const base = '/sys/fs/cgroup';
  let layout: CgroupLayout;
  if (existsSync(join(base, 'cgroup.controllers'))) {
    layout = { version: 2, root: base };
    const controllers = readFileSync(join(base, 'cgroup.controllers'), 'utf8').split(/\s+/);
    for (const c of ['memory', 'cpu', 'pids'])
      if (!controllers.includes(c))
        return { enforced: false, reason: `the cgroup v2 controller ${c} is not available` };
  } else {
    const roots = {
      memory: join(base, 'memory'),
      cpu: join(base, 'cpu'),
      cpuacct: join(base, 'cpuacct'),
      pids: join(base, 'pids'),
    };
    for (const [c, p] of Object.entries(roots))
      if (!existsSync(join(p, 'cgroup.procs')))
        return { enforced: false, reason: `no cgroup v1 ${c} hierarchy at ${p}` };
    layout = { version: 1, roots };
  }
  const dirs = layout.version === 2 ? [layout.root] : Object.values(layout.roots);
  for (const dir of dirs) {
    const probe = join(dir, parent, `probe-${process.pid}`);
    try {
      mkdirSync(probe, { recursive: true });
      rmdirSync(probe);
    } catch (err) {
      return { enforced: false, reason: `cannot create cgroups under ${join(dir, parent)}: ${String(err)}` };
    }
  }
  return { enforced: true, layout };
}
