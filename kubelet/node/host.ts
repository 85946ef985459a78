/**
 * What the node measures of its host: capacity (cores, memory, the root dir's file
 * system), identity (kernel, OS image, machine and boot ids) and the pressure signals
 * behind the MemoryPressure, DiskPressure and PIDPressure conditions, read from the
 * kernel as the kubelet's eviction manager reads them.
 */
import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, freemem, platform, release, totalmem } from 'node:os';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export interface HostCapacity {
  cpuCores: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

export function hostCapacity(rootDir: string): HostCapacity {
  const fs = statfsSync(rootDir);
  return {
    cpuCores: cpus().length,
    memoryBytes: totalmem(),
    ephemeralStorageBytes: fs.blocks * fs.bsize,
  };
}

/** Kubernetes' names for the architecture (`amd64`, `arm64`) and the OS (`linux`, `darwin`). */
export function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}
export function goOs(): string {
  return platform() === 'win32' ? 'windows' : platform();
}

export interface HostInfo {
  kernelVersion: string;
  osImage: string;
  machineId: string;
  bootId: string;
  systemUuid: string;
}

export function hostInfo(): HostInfo {
  const osRelease = read('/etc/os-release') ?? '';
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1];
  return {
    kernelVersion: release(),
    osImage: pretty ?? `${platform()} ${release()}`,
    machineId: read('/etc/machine-id') ?? read('/var/lib/dbus/machine-id') ?? '',
    bootId: read('/proc/sys/kernel/random/boot_id') ?? '',
    systemUuid: read('/sys/class/dmi/id/product_uuid') ?? '',
  };
}

/** The kubelet's default hard eviction thresholds, which the conditions follow. */
export const pressureThresholds = {
  memoryAvailableBytes: 100 * 1024 * 1024,
  nodefsAvailableFraction: 0.1,
  pidAvailableFraction: 0.1,
};

export interface HostPressure {
  memoryAvailableBytes: number;
  nodefsAvailableFraction: number;
  pidAvailableFraction: number;
}

export function hostPressure(rootDir: string): HostPressure {
  const meminfo = read('/proc/meminfo');
  const available = meminfo ? /^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1] : undefined;
  const fs = statfsSync(rootDir);
  const pidMax = Number(read('/proc/sys/kernel/pid_max') ?? '0');
  let pids = 0;
  if (pidMax > 0) {
    try {
      pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
    } catch {
      pids = 0;
    }
  }
  return {
    memoryAvailableBytes: available !== undefined ? Number(available) * 1024 : freemem(),
    nodefsAvailableFraction: fs.blocks > 0 ? fs.bavail / fs.blocks : 1,
    pidAvailableFraction: pidMax > 0 ? 1 - pids / pidMax : 1,
  };
}
