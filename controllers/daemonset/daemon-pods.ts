/**
 * A DaemonSet's pods grouped by the node they are for, and the order in which the pods
 * of one node are compared (Kubernetes' podByCreationTimestampAndPhase): bound pods
 * first, then the oldest, then by name.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import { targetNodeName } from './daemon-pod-template.js';

/** Node name → the DaemonSet's pods for that node. */
export type NodeToDaemonPods = Map<string, Pod[]>;

const created = (pod: Pod) => pod.metadata?.creationTimestamp?.getTime() ?? 0;

export function compareDaemonPods(a: Pod, b: Pod): number {
  const aBound = (a.spec?.nodeName ?? '') !== '';
  const bBound = (b.spec?.nodeName ?? '') !== '';
  if (aBound !== bBound) return aBound ? -1 : 1;
  const byAge = created(a) - created(b);
  if (byAge !== 0) return byAge;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

const isTerminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/**
 * Groups `pods` by target node (pods that name none are left out). Pods that have
 * finished and are being deleted are left out too unless `includeDeletedTerminal`: the
 * controller has nothing more to do with them, and must not wait for them before
 * creating a replacement; status counts them until they are gone.
 */
export function groupByNode(pods: readonly Pod[], includeDeletedTerminal: boolean): NodeToDaemonPods {
  const out: NodeToDaemonPods = new Map();
  for (const pod of pods) {
    if (!includeDeletedTerminal && isTerminal(pod) && pod.metadata?.deletionTimestamp !== undefined) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    let list = out.get(node);
    if (!list) {
      list = [];
      out.set(node, list);
    }
    list.push(pod);
  }
  return out;
}

/** Whether `pod` was made from the revision `hash`. */
export function isPodUpdated(pod: Pod, hash: string): boolean {
  return hash !== '' && pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
}

/**
 * The one current and the one old pod of a node, ignoring pods being deleted; `ok` is
 * false when the node has two of either, which the placement pass prunes first.
 */
export function findUpdatedPodsOnNode(
  pods: readonly Pod[],
  hash: string,
): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    if (isPodUpdated(pod, hash)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}), ok: true };
}
