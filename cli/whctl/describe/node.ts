/** `describe node`: roles, taints, conditions, addresses, capacity, system info and its pods' requests. */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { podTotal } from '../../../sdk/resources/resource-list.js';
import { describeMeta, describeQuantities, timestamp } from './common.js';
import type { Description } from './description.js';

export function describeNode(d: Description, node: Node, pods: readonly Pod[]): void {
  const labels = node.metadata?.labels ?? {};
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  d.item(0, 'Name', node.metadata?.name ?? '');
  d.item(0, 'Roles', roles.join(','));
  describeMeta(
    d,
    { ...node.metadata, name: node.metadata?.name ?? '' } as NonNullable<Node['metadata']>,
    false,
  );
  d.item(0, 'CreationTimestamp', timestamp(node.metadata?.creationTimestamp));
  const taints = (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  d.values(0, 'Taints', taints);
  d.item(0, 'Unschedulable', node.spec?.unschedulable ? 'true' : 'false');
  const conditions = node.status?.conditions ?? [];
  d.heading(0, 'Conditions');
  const rows = [
    ['Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message'],
    ['----', '------', '-----------------', '------------------', '------', '-------'],
    ...conditions.map((c) => [
      c.type,
      c.status,
      timestamp(c.lastHeartbeatTime),
      timestamp(c.lastTransitionTime),
      c.reason,
      c.message,
    ]),
  ];
  d.table(1, rows);
  d.heading(0, 'Addresses');
  for (const a of node.status?.addresses ?? []) d.item(1, a.type, a.address);
  describeQuantities(d, 0, 'Capacity', node.status?.capacity);
  describeQuantities(d, 0, 'Allocatable', node.status?.allocatable);
  const info = node.status?.nodeInfo;
  d.heading(0, 'System Info');
  d.item(1, 'Machine ID', info?.machineId ?? '');
  d.item(1, 'System UUID', info?.systemUuid ?? '');
  d.item(1, 'Boot ID', info?.bootId ?? '');
  d.item(1, 'Kernel Version', info?.kernelVersion ?? '');
  d.item(1, 'OS Image', info?.osImage ?? '');
  d.item(1, 'Operating System', info?.operatingSystem ?? '');
  d.item(1, 'Architecture', info?.architecture ?? '');
  d.item(1, 'Container Runtime Version', info?.containerRuntimeVersion ?? '');
  d.item(1, 'Kubelet Version', info?.kubeletVersion ?? '');
  const running = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  d.text(0, `Non-terminated Pods:          (${running.length} in total)`);
  const podRows = [
    ['Namespace', 'Name', 'CPU Requests', 'Memory Requests'],
    ['---------', '----', '------------', '---------------'],
    ...running.map((p) => {
      const requests = p.spec ? podTotal(p.spec, 'requests') : new Map();
      const cell = (resource: string) => requests.get(resource)?.toString() ?? '0';
      return [p.metadata?.namespace ?? '', p.metadata?.name ?? '', cell('cpu'), cell('memory')];
    }),
  ];
  d.table(1, podRows);
}
