/**
 * The kubelet's stats cache: samples the runtime's containers and the host every
 * housekeeping interval (10 s, as cadvisor does for the kubelet) and keeps, per
 * container, the latest sample and the CPU rate since the one before. A summary is
 * built from the cache and never samples, so a caller (the apiserver, `top`) asking
 * often costs the runtime nothing more, and every rate covers a full interval rather
 * than the accident of two requests' timing.
 */

import type { Duration } from '../../sdk/gen/google/protobuf/duration.js';
import type { ContainerStats as RuntimeContainerStats } from '../../sdk/gen/runtime/v1/api.js';
import { ContainerState } from '../../sdk/gen/runtime/v1/api.js';
import type {
  ContainerStats,
  CpuStats,
  MemoryStats,
  PodStats,
  Summary,
} from '../../sdk/gen/wheelhouse/kubelet/v1/stats.js';
import type { Logger } from '../../sdk/logger.js';
import {
  containerNameLabel,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
  type RuntimeService,
} from '../runtime/runtime.js';
import { type CpuRate, type CpuSample, cpuRate } from './cpu-rate.js';
import { type HostSample, readHostSample } from './host-stats.js';
import { isVanishedContainer } from './vanished-container.js';

export interface StatsProviderOptions {
  readonly nodeName: string;
  readonly runtime: Pick<RuntimeService, 'listContainerStats' | 'listContainers'>;
  /** The host's figures; /proc by default. */
  readonly readHost?: () => HostSample;
  /** Time between samples (cadvisor's housekeeping interval); 10 s by default. */
  readonly periodMs?: number;
  /** Now, in nanoseconds since the epoch; for samples the runtime does not time. */
  readonly nowNs?: () => bigint;
  /** When the kubelet started: the node's start time in the summary. */
  readonly startTime?: Date;
  readonly logger: Logger;
}

export interface StatsProvider {
  /** Samples the runtime and the host once, updating the cache. */
  sample(): Promise<void>;
  /** The node and its pods as of the latest sample; pods whose containers have no rate yet are left out. */
  summary(): Summary;
  /** Samples at once and then every period, until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

/** What the cache keeps of one sample: the counter, the rate up to it, the memory. */
interface Entry {
  readonly cpu: CpuSample;
  readonly rate: CpuRate | undefined;
  readonly memory: {
    readonly workingSetBytes?: bigint;
    readonly usageBytes?: bigint;
    readonly rssBytes?: bigint;
    readonly availableBytes?: bigint;
  };
}

interface ContainerEntry extends Entry {
  readonly pod: { readonly name: string; readonly namespace: string; readonly uid: string };
  readonly name: string;
  readonly createdAtNs: bigint;
}

const defaultPeriodMs = 10_000;

export function createStatsProvider(options: StatsProviderOptions): StatsProvider {
  const { runtime, logger } = options;
  const readHost = options.readHost ?? (() => readHostSample());
  const nowNs = options.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
  const periodMs = options.periodMs ?? defaultPeriodMs;
  const startTime = options.startTime ?? new Date();
  let containers = new Map<string, ContainerEntry>();
  let node: Entry | undefined;

  const sampleContainers = async () => {
    const [{ stats }, { containers: running }] = await Promise.all([
      runtime.listContainerStats({}),
      runtime.listContainers({
        filter: {
          id: '',
          podSandboxId: '',
          labelSelector: {},
          state: { state: ContainerState.CONTAINER_RUNNING },
        },
      }),
    ]);
    const createdAt = new Map(running.map((c) => [c.id, c.createdAt]));
    const next = new Map<string, ContainerEntry>();
    for (const s of stats) {
      const entry = containerEntry(s, containers, createdAt, nowNs);
      // Only running containers: a stopped one's counter is frozen and its rate meaningless.
      if (entry && createdAt.has(entry.id)) next.set(entry.id, entry.value);
    }
    // Containers gone from the runtime leave the cache with this swap.
    containers = next;
  };

  const sampleHost = () => {
    const host = readHost();
    const cpu = { atNs: nowNs(), usageCoreNanoSeconds: host.cpuUsageCoreNanoSeconds };
    node = {
      cpu,
      rate: cpuRate(node?.cpu, cpu),
      memory: {
        workingSetBytes: host.memoryWorkingSetBytes,
        usageBytes: host.memoryUsageBytes,
        availableBytes: host.memoryAvailableBytes,
      },
    };
  };

  const sample = async () => {
    sampleHost();
    await sampleContainers();
  };

  const summary = (): Summary => {
    const pods = new Map<string, { ref: ContainerEntry['pod']; containers: ContainerEntry[] }>();
    for (const c of containers.values()) {
      if (c.rate === undefined) continue;
      const pod = pods.get(c.pod.uid) ?? { ref: c.pod, containers: [] };
      pod.containers.push(c);
      pods.set(c.pod.uid, pod);
    }
    return {
      node: {
        nodeName: options.nodeName,
        startTime,
        ...(node ? { cpu: cpuStats(node), memory: memoryStats(node) } : {}),
      },
      pods: [...pods.values()].map(({ ref, containers: cs }) => podStats(ref, cs)),
    };
  };

  return {
    sample,
    summary,
    async run(signal) {
      while (!signal.aborted) {
        try {
          await sample();
        } catch (err) {
          // A container removed mid-sample fails the runtime's whole answer; the next one will not list it.
          if (isVanishedContainer(err))
            logger.debug(
              { error: (err as Error).message },
              'stats sampling skipped: a container went away during it; the summary keeps the previous sample',
            );
          else logger.warn({ err }, 'stats sampling failed; the summary keeps the previous sample');
        }
        await sleep(periodMs, signal);
      }
    },
  };
}

function containerEntry(
  s: RuntimeContainerStats,
  previous: ReadonlyMap<string, ContainerEntry>,
  createdAt: ReadonlyMap<string, string>,
  nowNs: () => bigint,
): { id: string; value: ContainerEntry } | undefined {
  const labels = s.attributes?.labels ?? {};
  const id = s.attributes?.id ?? '';
  const uid = labels[podUidLabel];
  // Not a container the kubelet made (or a runtime that drops labels): no pod to count it in.
  if (!id || !uid) return undefined;
  const counter = big(s.cpu?.usageCoreNanoSeconds?.value);
  if (counter === undefined) return undefined;
  const timed = big(s.cpu?.timestamp);
  const cpu: CpuSample = {
    atNs: timed !== undefined && timed > 0n ? timed : nowNs(),
    usageCoreNanoSeconds: counter,
  };
  const before = previous.get(id);
  const workingSetBytes = big(s.memory?.workingSetBytes?.value);
  const usageBytes = big(s.memory?.usageBytes?.value);
  const rssBytes = big(s.memory?.rssBytes?.value);
  const availableBytes = big(s.memory?.availableBytes?.value);
  return {
    id,
    value: {
      pod: { name: labels[podNameLabel] ?? '', namespace: labels[podNamespaceLabel] ?? '', uid },
      name: labels[containerNameLabel] ?? s.attributes?.metadata?.name ?? '',
      createdAtNs: big(createdAt.get(id)) ?? 0n,
      cpu,
      // A sample no newer than the last (a runtime that caches its figures) keeps the last rate.
      rate: before && before.cpu.atNs === cpu.atNs ? before.rate : cpuRate(before?.cpu, cpu),
      memory: {
        ...(workingSetBytes !== undefined ? { workingSetBytes } : {}),
        ...(usageBytes !== undefined ? { usageBytes } : {}),
        ...(rssBytes !== undefined ? { rssBytes } : {}),
        ...(availableBytes !== undefined ? { availableBytes } : {}),
      },
    },
  };
}

function podStats(ref: ContainerEntry['pod'], containers: readonly ContainerEntry[]): PodStats {
  let nanoCores = 0n;
  let coreNanoSeconds = 0n;
  let windowNs = 0n;
  let atNs = 0n;
  let workingSet = 0n;
  let usage = 0n;
  let rss = 0n;
  let firstNs: bigint | undefined;
  for (const c of containers) {
    nanoCores += c.rate?.usageNanoCores ?? 0n;
    coreNanoSeconds += c.cpu.usageCoreNanoSeconds;
    if ((c.rate?.windowNs ?? 0n) > windowNs) windowNs = c.rate?.windowNs ?? 0n;
    if (c.cpu.atNs > atNs) atNs = c.cpu.atNs;
    workingSet += c.memory.workingSetBytes ?? 0n;
    usage += c.memory.usageBytes ?? 0n;
    rss += c.memory.rssBytes ?? 0n;
    if (c.createdAtNs > 0n && (firstNs === undefined || c.createdAtNs < firstNs)) firstNs = c.createdAtNs;
  }
  const time = dateOf(atNs);
  return {
    podRef: ref,
    ...(firstNs !== undefined ? { startTime: dateOf(firstNs) } : {}),
    containers: containers
      .map(
        (c): ContainerStats => ({
          name: c.name,
          ...(c.createdAtNs > 0n ? { startTime: dateOf(c.createdAtNs) } : {}),
          cpu: cpuStats(c),
          memory: memoryStats(c),
        }),
      )
      .sort((a, b) => a.name.localeCompare(b.name)),
    cpu: {
      time,
      window: durationOf(windowNs),
      usageNanoCores: String(nanoCores),
      usageCoreNanoSeconds: String(coreNanoSeconds),
    },
    memory: {
      time,
      workingSetBytes: String(workingSet),
      usageBytes: String(usage),
      rssBytes: String(rss),
    },
  };
}

function cpuStats(e: Entry): CpuStats {
  return {
    time: dateOf(e.cpu.atNs),
    ...(e.rate ? { window: durationOf(e.rate.windowNs), usageNanoCores: String(e.rate.usageNanoCores) } : {}),
    usageCoreNanoSeconds: String(e.cpu.usageCoreNanoSeconds),
  };
}

function memoryStats(e: Entry): MemoryStats {
  const m = e.memory;
  return {
    time: dateOf(e.cpu.atNs),
    ...(m.availableBytes !== undefined ? { availableBytes: String(m.availableBytes) } : {}),
    ...(m.usageBytes !== undefined ? { usageBytes: String(m.usageBytes) } : {}),
    ...(m.workingSetBytes !== undefined ? { workingSetBytes: String(m.workingSetBytes) } : {}),
    ...(m.rssBytes !== undefined ? { rssBytes: String(m.rssBytes) } : {}),
  };
}

/** An unsigned decimal string as a bigint; undefined when absent or malformed. */
function big(value: string | undefined): bigint | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return BigInt(value);
}

function dateOf(ns: bigint): Date {
  return new Date(Number(ns / 1_000_000n));
}

function durationOf(ns: bigint): Duration {
  return { seconds: String(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
