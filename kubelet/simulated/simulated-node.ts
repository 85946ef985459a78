/**
 * The Node a simulated node registers and the status it reports: capacity and
 * allocatable from flags, made-up addresses, nodeInfo naming the simulated runtime, and
 * conditions that are always healthy (Ready=True, no pressure). Conditions keep their
 * lastTransitionTime while their status stays, so a re-posted status (every 5 minutes,
 * or after a restart of the simulator) moves only heartbeat times.
 */
import { Node, type NodeCondition, NodeStatus } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { simulatedNodeIP, simulatedPodCidr } from './addresses.js';

/** `containerRuntimeVersion` is `simulated://<version>`: what tells a simulated node apart. */
export const SIMULATED_RUNTIME = 'simulated';

export interface SimulatedNodeOptions {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: string;
  /** Labels beyond the standard ones (--node-labels). */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { key: string; value: string; effect: string }[];
  readonly kubeletVersion: string;
}

/** `<prefix>-0` … `<prefix>-<count-1>`. */
export function simulatedNodeNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

export function simulatedNode(name: string, index: number, opts: SimulatedNodeOptions): Node {
  const cidr = simulatedPodCidr(index);
  return Node.fromPartial({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        type: 'simulated',
        ...opts.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCidr: cidr, podCidrs: [cidr], taints: opts.taints.map((t) => ({ ...t })) },
  });
}

const healthy: readonly { type: string; status: string; reason: string; message: string }[] = [
  {
    type: 'MemoryPressure',
    status: 'False',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  {
    type: 'DiskPressure',
    status: 'False',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  {
    type: 'PIDPressure',
    status: 'False',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

export function simulatedNodeStatus(
  name: string,
  index: number,
  opts: SimulatedNodeOptions,
  previous: NodeStatus | undefined,
  now: Date,
): NodeStatus {
  const resources = { cpu: opts.cpu, memory: opts.memory, pods: opts.pods, 'ephemeral-storage': '100Gi' };
  const conditions: NodeCondition[] = healthy.map((c) => {
    const before = previous?.conditions.find((p) => p.type === c.type);
    return {
      ...c,
      lastHeartbeatTime: now,
      lastTransitionTime: before?.status === c.status ? (before.lastTransitionTime ?? now) : now,
    };
  });
  return NodeStatus.fromPartial({
    capacity: resources,
    allocatable: resources,
    conditions,
    addresses: [
      { type: 'InternalIP', address: simulatedNodeIP(index) },
      { type: 'Hostname', address: name },
    ],
    // No kubelet API: the apiserver answers logs and exec of these pods with an error.
    daemonEndpoints: { kubeletEndpoint: { port: 0 } },
    nodeInfo: {
      machineId: `simulated-${name}`,
      systemUuid: `simulated-${name}`,
      bootId: `simulated-${name}`,
      kernelVersion: 'simulated',
      osImage: 'Simulated node (wheelhouse kubelet --simulate)',
      containerRuntimeVersion: `${SIMULATED_RUNTIME}://${opts.kubeletVersion}`,
      kubeletVersion: opts.kubeletVersion,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  });
}

/** Whether a status needs writing: anything but heartbeat times differs. */
export function nodeStatusChanged(current: NodeStatus | undefined, next: NodeStatus): boolean {
  if (!current) return true;
  const strip = (s: NodeStatus) =>
    JSON.stringify(
      NodeStatus.toJSON({
        ...s,
        conditions: s.conditions.map((c) => ({ ...c, lastHeartbeatTime: undefined })),
      }),
    );
  return strip(current) !== strip(next);
}
