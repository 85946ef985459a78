/**
 * Which node each pod is bound to, and which Secrets, ConfigMaps and ServiceAccounts
 * the pods of each node reference: the facts the node authorizer decides on, as
 * Kubernetes' node authorizer keeps them in its graph. Fed from the pods' watch cache;
 * every lookup is a hash lookup.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';

export type ReferencedKind = 'secrets' | 'configmaps' | 'serviceaccounts';

interface PodEntry {
  readonly node: string;
  readonly uid: string;
  readonly refs: readonly string[];
}

function refKey(kind: ReferencedKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Every object a pod needs from the API to run, as Kubernetes' node authorizer counts them. */
export function referencesOf(pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const spec = pod.spec;
  if (!spec) return [];
  const refs = new Set<string>();
  const secret = (name: string | undefined) => {
    if (name) refs.add(refKey('secrets', ns, name));
  };
  const configMap = (name: string | undefined) => {
    if (name) refs.add(refKey('configmaps', ns, name));
  };
  refs.add(refKey('serviceaccounts', ns, spec.serviceAccountName || spec.serviceAccount || 'default'));
  for (const s of spec.imagePullSecrets) secret(s.name);
  for (const v of spec.volumes) {
    secret(v.secret?.secretName);
    configMap(v.configMap?.name);
    secret(v.csi?.nodePublishSecretRef?.name);
    for (const source of v.projected?.sources ?? []) {
      secret(source.secret?.name);
      configMap(source.configMap?.name);
    }
  }
  for (const c of [...spec.initContainers, ...spec.containers]) {
    for (const e of c.env) {
      secret(e.valueFrom?.secretKeyRef?.name);
      configMap(e.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c.envFrom) {
      secret(e.secretRef?.name);
      configMap(e.configMapRef?.name);
    }
  }
  return [...refs];
}

export class NodeGraph {
  private readonly pods = new Map<string, PodEntry>();
  /** Reference → node → how many of its pods hold it. */
  private readonly referencedBy = new Map<string, Map<string, number>>();

  /** Records a pod as it is now (an unbound pod concerns no node). */
  setPod(pod: Pod): void {
    const node = pod.spec?.nodeName ?? '';
    const uid = pod.metadata?.uid ?? '';
    // What a pod references (volumes, env, pull secrets, service account) cannot change
    // once it exists, nor its node once bound: the same pod written again (its status,
    // most of a pod's writes) changes nothing here.
    const current = this.pods.get(podKey(pod));
    if (current !== undefined && uid !== '' && current.uid === uid && current.node === node) return;
    this.deletePod(pod);
    if (node === '') return;
    const entry = { node, uid, refs: referencesOf(pod) };
    this.pods.set(podKey(pod), entry);
    for (const ref of entry.refs) {
      const nodes = this.referencedBy.get(ref) ?? new Map<string, number>();
      this.referencedBy.set(ref, nodes);
      nodes.set(node, (nodes.get(node) ?? 0) + 1);
    }
  }

  deletePod(pod: Pod): void {
    const key = podKey(pod);
    const entry = this.pods.get(key);
    if (!entry) return;
    this.pods.delete(key);
    for (const ref of entry.refs) {
      const nodes = this.referencedBy.get(ref);
      const n = nodes?.get(entry.node) ?? 0;
      if (n > 1) nodes?.set(entry.node, n - 1);
      else nodes?.delete(entry.node);
      if (nodes?.size === 0) this.referencedBy.delete(ref);
    }
  }

  /** The node a pod is bound to; undefined when unknown or unbound. */
  nodeOf(namespace: string, name: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.node;
  }

  /** Whether a pod bound to `node` references the object. */
  references(node: string, kind: ReferencedKind, namespace: string, name: string): boolean {
    return this.referencedBy.get(refKey(kind, namespace, name))?.has(node) ?? false;
  }
}

function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
