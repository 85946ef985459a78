/**
 * The Node as its kubelet reports it: the object it registers (labels, taints) and the
 * status it keeps current (capacity, allocatable, conditions, addresses, nodeInfo,
 * daemon endpoints, images). Conditions keep their lastTransitionTime while their
 * status stays; `sameStatus` tells a change worth writing from a mere heartbeat.
 */

import type { Image } from '../../sdk/gen/runtime/v1/api.js';
import type { Node, NodeCondition, NodeStatus } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import {
  Node as NodeMessage,
  NodeStatus as NodeStatusMessage,
} from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { goArch, goOs, type HostInfo, type HostPressure, pressureThresholds } from './host.js';

export interface NodeIdentity {
  readonly name: string;
  readonly nodeIP: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { key: string; value: string; effect: string }[];
}

export function initialNode(id: NodeIdentity): Node {
  return NodeMessage.fromPartial({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: {
        'kubernetes.io/hostname': id.name,
        'kubernetes.io/os': goOs(),
        'kubernetes.io/arch': goArch(),
        'beta.kubernetes.io/os': goOs(),
        'beta.kubernetes.io/arch': goArch(),
        ...id.labels,
      },
    },
    spec: { taints: id.taints.map((t) => ({ ...t })) },
  });
}

/** `key=value:Effect` or `key:Effect`, comma-separated, as --register-with-taints takes them. */
export function parseTaints(text: string): { key: string; value: string; effect: string }[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => {
      const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t);
      if (!m) {
        throw new Error(
          `--register-with-taints: "${t}" is not a taint: write key=value:Effect or key:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute`,
        );
      }
      return { key: m[1] ?? '', value: m[2] ?? '', effect: m[3] ?? '' };
    });
}

/** `key=value,key2=value2`, as --node-labels takes them. */
export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`--node-labels: "${part}" is not key=value`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

export interface StatusInputs {
  readonly id: NodeIdentity;
  readonly hostname: string;
  readonly capacity: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly host: HostInfo;
  readonly pressure: HostPressure;
  readonly runtime: { name: string; version: string; ready: boolean; message: string };
  readonly kubeletVersion: string;
  readonly kubeletPort: number;
  readonly images: readonly Image[];
}

function condition(
  type: string,
  status: boolean,
  reasons: { true: string; false: string },
  messages: { true: string; false: string },
  now: Date,
  previous: readonly NodeCondition[],
): NodeCondition {
  const value = status ? 'True' : 'False';
  const before = previous.find((c) => c.type === type);
  return {
    type,
    status: value,
    lastHeartbeatTime: now,
    lastTransitionTime: before?.status === value ? (before.lastTransitionTime ?? now) : now,
    reason: status ? reasons.true : reasons.false,
    message: status ? messages.true : messages.false,
  };
}

const maxImages = 50;

export function nodeStatus(inputs: StatusInputs, previous: NodeStatus | undefined, now: Date): NodeStatus {
  const prev = previous?.conditions ?? [];
  const p = inputs.pressure;
  const memoryPressure = p.memoryAvailableBytes < pressureThresholds.memoryAvailableBytes;
  const diskPressure = p.nodefsAvailableFraction < pressureThresholds.nodefsAvailableFraction;
  const pidPressure = p.pidAvailableFraction < pressureThresholds.pidAvailableFraction;
  const images = [...inputs.images]
    .sort((a, b) => Number(b.size) - Number(a.size))
    .slice(0, maxImages)
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: String(i.size) }));
  return NodeStatusMessage.fromPartial({
    capacity: { ...inputs.capacity },
    allocatable: { ...inputs.allocatable },
    conditions: [
      condition(
        'MemoryPressure',
        memoryPressure,
        { true: 'KubeletHasInsufficientMemory', false: 'KubeletHasSufficientMemory' },
        {
          true: 'kubelet has insufficient memory available',
          false: 'kubelet has sufficient memory available',
        },
        now,
        prev,
      ),
      condition(
        'DiskPressure',
        diskPressure,
        { true: 'KubeletHasDiskPressure', false: 'KubeletHasNoDiskPressure' },
        { true: 'kubelet has disk pressure', false: 'kubelet has no disk pressure' },
        now,
        prev,
      ),
      condition(
        'PIDPressure',
        pidPressure,
        { true: 'KubeletHasInsufficientPID', false: 'KubeletHasSufficientPID' },
        { true: 'kubelet has insufficient PID available', false: 'kubelet has sufficient PID available' },
        now,
        prev,
      ),
      condition(
        'Ready',
        inputs.runtime.ready,
        { true: 'KubeletReady', false: 'KubeletNotReady' },
        { true: 'kubelet is posting ready status', false: inputs.runtime.message },
        now,
        prev,
      ),
    ],
    addresses: [
      { type: 'InternalIP', address: inputs.id.nodeIP },
      { type: 'Hostname', address: inputs.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { port: inputs.kubeletPort } },
    nodeInfo: {
      machineId: inputs.host.machineId,
      systemUuid: inputs.host.systemUuid,
      bootId: inputs.host.bootId,
      kernelVersion: inputs.host.kernelVersion,
      osImage: inputs.host.osImage,
      containerRuntimeVersion: `${inputs.runtime.name}://${inputs.runtime.version}`,
      kubeletVersion: inputs.kubeletVersion,
      operatingSystem: goOs(),
      architecture: goArch(),
    },
    images,
  });
}

/** Whether two statuses differ only in heartbeat times: such a status need not be written before its 5-minute report. */
export function sameStatus(a: NodeStatus | undefined, b: NodeStatus): boolean {
  if (!a) return false;
  const strip = (s: NodeStatus) =>
    JSON.stringify(
      NodeStatusMessage.toJSON({
        ...s,
        conditions: s.conditions.map((c) => ({ ...c, lastHeartbeatTime: undefined })),
      }),
    );
  return strip(a) === strip(b);
}

/** An Event the kubelet records about its Node. */
export interface NodeEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** The conditions whose changes the kubelet reports as Events, as Kubernetes' kubelet does. */
const reportedConditions = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];

/**
 * The Events a status write reports: one per reported condition that is new or changed
 * since `before` (the Node as the API had it), named after the condition's reason as
 * Kubernetes names them (`KubeletHasSufficientMemory` → `NodeHasSufficientMemory`,
 * `KubeletReady` → `NodeReady`), so a kubelet that restarts on a healthy node reports
 * nothing again, and one whose node turns NotReady says so.
 */
export function conditionEvents(
  name: string,
  before: NodeStatus | undefined,
  after: NodeStatus,
): NodeEvent[] {
  const events: NodeEvent[] = [];
  for (const type of reportedConditions) {
    const now = after.conditions.find((c) => c.type === type);
    if (!now) continue;
    const was = before?.conditions.find((c) => c.type === type);
    if (was?.status === now.status) continue;
    const reason = now.reason.replace(/^Kubelet/, 'Node');
    const healthy = type === 'Ready' ? now.status === 'True' : now.status === 'False';
    events.push({
      type: healthy ? 'Normal' : 'Warning',
      reason,
      message: `Node ${name} status is now: ${reason}`,
    });
  }
  return events;
}
