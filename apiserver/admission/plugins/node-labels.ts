/**
 * Which Node labels a kubelet may set on its own Node. Labels under kubernetes.io and
 * k8s.io are the cluster's: a node may set only the well-known topology and identity
 * labels and those under kubelet.kubernetes.io/ and node.kubernetes.io/. The
 * `node-restriction.kubernetes.io/` prefix exists precisely so that administrators can
 * label nodes with something a compromised kubelet cannot claim for itself.
 */
export const nodeRestrictionPrefix = 'node-restriction.kubernetes.io/';

const allowedLabels = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);

const allowedNamespaces = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

function labelNamespace(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

function isKubernetesNamespace(ns: string): boolean {
  return ns === 'kubernetes.io' || ns === 'k8s.io' || ns.endsWith('.kubernetes.io') || ns.endsWith('.k8s.io');
}

/** Whether a node may set, change or remove this label on its own Node. */
export function nodeMaySetLabel(key: string): boolean {
  if (key.startsWith(nodeRestrictionPrefix)) return false;
  const ns = labelNamespace(key);
  if (!isKubernetesNamespace(ns)) return true;
  if (allowedLabels.has(key)) return true;
  return allowedNamespaces.some((allowed) => ns === allowed || ns.endsWith(`.${allowed}`));
}

/** Keys added, removed or changed between two label sets. */
export function changedLabels(
  next: Readonly<Record<string, string>>,
  prev: Readonly<Record<string, string>>,
): string[] {
  const keys = new Set([...Object.keys(next), ...Object.keys(prev)]);
  return [...keys].filter((k) => next[k] !== prev[k]).sort();
}
