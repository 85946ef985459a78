/** Nodes: NAME STATUS ROLES AGE VERSION, and addresses and system info with -o wide. */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { ageColumn } from './generic.js';
import { definePrinter, NONE, orNone } from './printer.js';

const ROLE_LABEL = 'node-role.kubernetes.io/';

export const nodePrinter = definePrinter<Node>([
  { header: 'STATUS', cell: (n) => nodeStatus(n) },
  { header: 'ROLES', cell: (n) => roles(n) },
  ageColumn,
  { header: 'VERSION', cell: (n) => orNone(n.status?.nodeInfo?.kubeletVersion) },
  { header: 'INTERNAL-IP', wide: true, cell: (n) => address(n, 'InternalIP') },
  { header: 'EXTERNAL-IP', wide: true, cell: (n) => address(n, 'ExternalIP') },
  { header: 'OS-IMAGE', wide: true, cell: (n) => orNone(n.status?.nodeInfo?.osImage) },
  { header: 'KERNEL-VERSION', wide: true, cell: (n) => orNone(n.status?.nodeInfo?.kernelVersion) },
  {
    header: 'CONTAINER-RUNTIME',
    wide: true,
    cell: (n) => orNone(n.status?.nodeInfo?.containerRuntimeVersion),
  },
]);

/** `Ready`, `NotReady` or `Unknown` from the Ready condition, plus `SchedulingDisabled` when cordoned. */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions.find((c) => c.type === 'Ready');
  const states = [ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown'];
  if (node.spec?.unschedulable) states.push('SchedulingDisabled');
  return states.join(',');
}

function roles(node: Node): string {
  const found = Object.keys(node.metadata?.labels ?? {})
    .filter((k) => k.startsWith(ROLE_LABEL) && k.length > ROLE_LABEL.length)
    .map((k) => k.slice(ROLE_LABEL.length))
    .sort();
  return found.length > 0 ? found.join(',') : NONE;
}

function address(node: Node, type: string): string {
  return orNone(node.status?.addresses.find((a) => a.type === type)?.address);
}
