/**
 * What a simulated node "uses": made-up CPU and memory so that `top nodes` and
 * `top pods` read sensibly across a simulated cluster. Nothing runs, so nothing is
 * measured; the figures are a stable share of each container's requests (a pod keeps
 * the same figures from one call to the next) and a small base for the node itself.
 * Pure: the apiserver answers for simulated nodes with it, since they serve no kubelet API.
 */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  CpuStats,
  MemoryStats,
  PodStats,
  Summary,
} from '../../../sdk/gen/wheelhouse/kubelet/v1/stats.js';
import { Quantity } from '../../../sdk/quantity.js';

/** A container without requests still uses something: 1m of CPU and 4Mi of memory at most. */
const floorNanoCores = 1_000_000n;
const floorMemoryBytes = 4n * 1024n * 1024n;
/** The node's own processes (kubelet, system daemons): 2% of its CPU and 256Mi. */
const systemMemoryBytes = 256n * 1024n * 1024n;
const windowNs = 10_000_000_000n;

/** The summary a simulated node's kubelet would report for `pods` (those bound to it) at `now`. */
export function simulatedStatsSummary(node: Node, pods: readonly Pod[], now: Date): Summary {
  const nodeName = node.metadata?.name ?? '';
  const started = node.metadata?.creationTimestamp ?? now;
  const podStats: PodStats[] = [];
  let nodeNanoCores = (quantityOf(node.status?.capacity?.cpu)?.nanos ?? 0n) / 50n;
  let nodeMemory = systemMemoryBytes;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running' || pod.spec?.nodeName !== nodeName) continue;
    const uid = pod.metadata?.uid ?? '';
    const podStart = pod.status.startTime ?? now;
    const containers = (pod.spec.containers ?? []).map((c) => {
      const share = shareOf(`${uid}/${c.name}`);
      const cpuRequest = quantityOf(c.resources?.requests?.cpu)?.nanos ?? 0n;
      const memoryRequest = quantityOf(c.resources?.requests?.memory)?.value() ?? 0n;
      const nanoCores = cpuRequest > 0n ? (cpuRequest * share) / 100n : (floorNanoCores * share) / 100n;
      const memory = memoryRequest > 0n ? (memoryRequest * share) / 100n : (floorMemoryBytes * share) / 100n;
      return {
        name: c.name,
        startTime: podStart,
        cpu: cpu(nanoCores, podStart, now),
        memory: mem(memory, now),
      };
    });
    const podNanoCores = containers.reduce((n, c) => n + BigInt(c.cpu.usageNanoCores ?? '0'), 0n);
    const podMemory = containers.reduce((n, c) => n + BigInt(c.memory.workingSetBytes ?? '0'), 0n);
    nodeNanoCores += podNanoCores;
    nodeMemory += podMemory;
    podStats.push({
      podRef: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid },
      startTime: podStart,
      containers,
      cpu: cpu(podNanoCores, podStart, now),
      memory: mem(podMemory, now),
    });
  }
  const memoryCapacity = quantityOf(node.status?.capacity?.memory)?.value() ?? 0n;
  return {
    node: {
      nodeName,
      startTime: started,
      cpu: cpu(nodeNanoCores, started, now),
      memory: {
        ...mem(nodeMemory, now),
        ...(memoryCapacity > nodeMemory ? { availableBytes: String(memoryCapacity - nodeMemory) } : {}),
      },
    },
    pods: podStats,
  };
}

/** A stable share between 20 and 79 percent, from FNV-1a of the key. */
function shareOf(key: string): bigint {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 20n + BigInt(h % 60);
}

function cpu(nanoCores: bigint, since: Date, now: Date): CpuStats {
  const elapsedNs = BigInt(Math.max(0, now.getTime() - since.getTime())) * 1_000_000n;
  return {
    time: now,
    window: { seconds: String(windowNs / 1_000_000_000n), nanos: 0 },
    usageNanoCores: String(nanoCores),
    usageCoreNanoSeconds: String((nanoCores * elapsedNs) / 1_000_000_000n),
  };
}

function mem(bytes: bigint, now: Date): MemoryStats {
  return { time: now, workingSetBytes: String(bytes), usageBytes: String(bytes), rssBytes: String(bytes) };
}

function quantityOf(text: string | undefined): Quantity | undefined {
  if (!text) return undefined;
  const parsed = Quantity.tryParse(text);
  return parsed.ok ? parsed.quantity : undefined;
}
