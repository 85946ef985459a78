/** Nodes: NAME STATUS ROLES AGE VERSION, and addresses and system info with -o wide (kubectl's printNode). */
import type { Node } from '../gen/wheelhouse/core/v1/node.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter, NONE } from './printer.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
/** The older way to give a node a role: `kubernetes.io/role=<role>`. */
const ROLE_LABEL = 'kubernetes.io/role';

/**
 * `Ready` or `NotReady` from the Ready condition (`Unknown` without one), then
 * `SchedulingDisabled` when the node is cordoned.
 */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions.find((c) => c.type === 'Ready');
  const states = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable) states.push('SchedulingDisabled');
  return states.join(',');
}

/** The roles its labels give a node, sorted: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length)
      roles.add(key.slice(ROLE_PREFIX.length));
    else if (key === ROLE_LABEL && value) roles.add(value);
  }
  return [...roles].sort().join(',') || NONE;
}

const address = (type: string) => (node: Node) =>
  node.status?.addresses.find((a) => a.type === type)?.address ?? NONE;

const orUnknown = (value: string | undefined) => value || '<unknown>';

export const nodePrinter = definePrinter<Node>([
  nameColumn,
  column('Status', 'string', 'The Ready condition of the node, and whether it is cordoned.', nodeStatus),
  column('Roles', 'string', 'The roles of the node, from its node-role labels.', nodeRoles),
  ageColumn,
  column(
    'Version',
    'string',
    'The version of the kubelet (status.nodeInfo.kubeletVersion).',
    (n) => n.status?.nodeInfo?.kubeletVersion ?? '',
  ),
  column('Internal-IP', 'string', 'The first InternalIP of status.addresses.', address('InternalIP'), {
    priority: 1,
  }),
  column('External-IP', 'string', 'The first ExternalIP of status.addresses.', address('ExternalIP'), {
    priority: 1,
  }),
  column(
    'OS-Image',
    'string',
    'The operating system image (status.nodeInfo.osImage).',
    (n) => orUnknown(n.status?.nodeInfo?.osImage),
    { priority: 1 },
  ),
  column(
    'Kernel-Version',
    'string',
    'The kernel version (status.nodeInfo.kernelVersion).',
    (n) => orUnknown(n.status?.nodeInfo?.kernelVersion),
    { priority: 1 },
  ),
  column(
    'Container-Runtime',
    'string',
    'The container runtime and its version (status.nodeInfo.containerRuntimeVersion).',
    (n) => orUnknown(n.status?.nodeInfo?.containerRuntimeVersion),
    { priority: 1 },
  ),
]);
