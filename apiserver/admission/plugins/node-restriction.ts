/**
 * NodeRestriction: a kubelet's credentials reach only what belongs to its node. The
 * node authorizer decides which kinds a node may touch at all; this plugin checks the
 * objects themselves:
 *
 * - Node: only its own; never its taints after creation (the cluster's scheduling
 *   decisions), nor labels it may not set (node-labels.ts).
 * - Pod: creates only mirror pods bound to itself, which may not reference secrets,
 *   config maps, claims or owners other than its Node; deletes and updates the status
 *   only of pods bound to itself; never changes a pod's spec or metadata.
 * - Lease: only its own, in kube-node-lease.
 */
import type { Lease } from '../../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import { forbidden } from './forbidden.js';
import { isMirrorPod, mirrorPodAnnotation } from './mirror-pod.js';
import { nodeNameOf } from './node-identity.js';
import { changedLabels, nodeMaySetLabel } from './node-labels.js';

export const nodeLeaseNamespace = 'kube-node-lease';

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether a pod update changes nothing but status: what the status subresource does. */
function onlyStatusChanged(next: Pod, prev: Pod): boolean {
  const strip = (p: Pod) => {
    const json = Pod.toJSON({ ...p, status: undefined }) as { metadata?: Record<string, unknown> };
    if (json.metadata) {
      json.metadata.resourceVersion = undefined;
      json.metadata.generation = undefined;
    }
    return json;
  };
  return sameJson(strip(next), strip(prev));
}

function admitPodCreate(node: string, attrs: AdmissionAttributes): void {
  const pod = attrs.object as Pod;
  const spec = pod.spec;
  if (!isMirrorPod(pod)) {
    throw forbidden(
      attrs,
      `pod does not have "${mirrorPodAnnotation}" annotation, node "${node}" can only create mirror pods`,
    );
  }
  if (spec?.nodeName !== node) {
    throw forbidden(attrs, `node "${node}" can only create pods with spec.nodeName set to itself`);
  }
  // The API defaults serviceAccountName to "default"; naming any other account is a reference.
  if ((spec.serviceAccountName || 'default') !== 'default') {
    throw forbidden(attrs, `node "${node}" can not create pods that reference service accounts`);
  }
  const containers = [...spec.initContainers, ...spec.containers];
  const refs = {
    secrets:
      spec.volumes.some((v) => v.secret !== undefined) ||
      containers.some(
        (c) => c.envFrom.some((e) => e.secretRef) || c.env.some((e) => e.valueFrom?.secretKeyRef),
      ),
    configmaps:
      spec.volumes.some((v) => v.configMap !== undefined) ||
      containers.some(
        (c) => c.envFrom.some((e) => e.configMapRef) || c.env.some((e) => e.valueFrom?.configMapKeyRef),
      ),
    persistentvolumeclaims: spec.volumes.some((v) => v.persistentVolumeClaim !== undefined),
  };
  for (const [what, used] of Object.entries(refs)) {
    if (used) throw forbidden(attrs, `node "${node}" can not create pods that reference ${what}`);
  }
  for (const owner of pod.metadata?.ownerReferences ?? []) {
    if (owner.kind !== 'Node' || owner.name !== node || owner.apiVersion !== 'v1') {
      throw forbidden(attrs, `node "${node}" can only create pods with an owner reference set to itself`);
    }
  }
}

function admitPod(node: string, attrs: AdmissionAttributes): void {
  switch (attrs.operation) {
    case 'CREATE':
      if (attrs.subresource !== '') break;
      admitPodCreate(node, attrs);
      return;
    case 'DELETE': {
      const old = attrs.oldObject as Pod | undefined;
      if (old?.spec?.nodeName !== node) {
        throw forbidden(attrs, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      }
      return;
    }
    case 'UPDATE': {
      const next = attrs.object as Pod;
      const old = attrs.oldObject as Pod;
      const statusUpdate =
        attrs.subresource === 'status' || (attrs.subresource === '' && onlyStatusChanged(next, old));
      if (!statusUpdate) break;
      if (old.spec?.nodeName !== node) {
        throw forbidden(
          attrs,
          `node "${node}" can only update pod status for pods with spec.nodeName set to itself`,
        );
      }
      return;
    }
    default:
      break;
  }
  throw forbidden(
    attrs,
    `unexpected operation "${attrs.operation}"${attrs.subresource ? ` on subresource "${attrs.subresource}"` : ''}, node "${node}" can only create and delete mirror pods and update the status of pods bound to itself`,
  );
}

function admitNode(node: string, attrs: AdmissionAttributes): void {
  if (attrs.name !== node)
    throw forbidden(attrs, `node "${node}" is not allowed to modify node "${attrs.name}"`);
  if (attrs.operation === 'CREATE') {
    const labels = (attrs.object as Node).metadata?.labels ?? {};
    const bad = Object.keys(labels)
      .filter((k) => !nodeMaySetLabel(k))
      .sort();
    if (bad.length > 0) {
      throw forbidden(attrs, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
    }
  }
  if (attrs.operation === 'UPDATE') {
    const next = attrs.object as Node;
    const old = attrs.oldObject as Node;
    if (!sameJson(next.spec?.taints ?? [], old.spec?.taints ?? [])) {
      throw forbidden(attrs, `node "${node}" is not allowed to modify taints`);
    }
    const bad = changedLabels(next.metadata?.labels ?? {}, old.metadata?.labels ?? {}).filter(
      (k) => !nodeMaySetLabel(k),
    );
    if (bad.length > 0) {
      throw forbidden(attrs, `node "${node}" is not allowed to modify labels: ${bad.join(', ')}`);
    }
  }
}

function admitLease(node: string, attrs: AdmissionAttributes): void {
  if (attrs.namespace !== nodeLeaseNamespace) {
    throw forbidden(attrs, `can only access leases in the ${nodeLeaseNamespace} namespace`);
  }
  const name = attrs.name || (attrs.object as Lease | undefined)?.metadata?.name || '';
  if (name !== node) {
    throw forbidden(attrs, `can only access node lease with the same name as the requesting node`);
  }
}

export function nodeRestriction(): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    validate(attrs) {
      const node = nodeNameOf(attrs.ctx.user, attrs.ctx.groups);
      if (node === undefined) return;
      const kind = attrs.info.kind;
      if (kind !== 'Pod' && kind !== 'Node' && kind !== 'Lease') return;
      if (node === '') throw forbidden(attrs, `could not determine node from user "${attrs.ctx.user}"`);
      if (kind === 'Pod') admitPod(node, attrs);
      else if (kind === 'Node') admitNode(node, attrs);
      else admitLease(node, attrs);
    },
  };
}
