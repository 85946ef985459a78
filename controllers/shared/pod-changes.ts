/**
 * Which Services a Pod's change concerns (Kubernetes' GetServicesToUpdateOnPodChange):
 * most Pod updates (container statuses, probes' times) change nothing an endpoint
 * shows, and queue nothing.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { DeletedFinalStateUnknown, type SharedInformer } from '../../sdk/informers/index.js';
import { sameLabels } from './labels.js';
import { isPodReady } from './pod-state.js';
import type { ServiceSelectors } from './service-selectors.js';

export interface PodChange {
  /** Something its endpoint shows changed: deletion, readiness, IPs, hostname, finishing. */
  readonly endpoint: boolean;
  /** Its labels, which decide the Services it belongs to. */
  readonly membership: boolean;
}

const ipsOf = (pod: Pod) =>
  [pod.status?.podIp ?? '', ...(pod.status?.podIps ?? []).map((p) => p.ip)].join(',');
const finished = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export function podChange(old: Pod, cur: Pod): PodChange {
  const membership = !sameLabels(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {});
  const endpoint =
    (old.metadata?.deletionTimestamp === undefined) !== (cur.metadata?.deletionTimestamp === undefined) ||
    isPodReady(old) !== isPodReady(cur) ||
    ipsOf(old) !== ipsOf(cur) ||
    old.spec?.hostname !== cur.spec?.hostname ||
    old.spec?.subdomain !== cur.spec?.subdomain ||
    // Kubernetes relies on readiness dropping as a Pod finishes; a finished Pod leaves
    // its endpoints even when its last status write kept Ready.
    finished(old) !== finished(cur);
  return { endpoint, membership };
}

/**
 * The Services to sync: the new labels' Services when only the endpoint changed; on a
 * label change, with the endpoint changed too, both the old and the new ones, else only
 * those it joined or left.
 */
export function servicesToSync(
  change: PodChange,
  oldServices: ReadonlySet<string>,
  newServices: ReadonlySet<string>,
): Set<string> {
  if (!change.membership) return change.endpoint ? new Set(newServices) : new Set();
  if (change.endpoint) return new Set([...oldServices, ...newServices]);
  const out = new Set<string>();
  for (const s of newServices) if (!oldServices.has(s)) out.add(s);
  for (const s of oldServices) if (!newServices.has(s)) out.add(s);
  return out;
}

/**
 * Calls `enqueue` with the keys of the Services each Pod event concerns: all of a Pod's
 * Services when it comes or goes, and on an update those servicesToSync names.
 */
export function onPodServiceChanges(
  pods: SharedInformer<Pod>,
  selectors: ServiceSelectors,
  enqueue: (serviceKeys: Iterable<string>) => void,
): void {
  pods.addEventHandler({
    onAdd: (pod) => enqueue(selectors.servicesOf(pod)),
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const change = podChange(old, cur);
      if (!change.endpoint && !change.membership) return;
      const before = change.membership ? selectors.servicesOf(old) : new Set<string>();
      enqueue(servicesToSync(change, before, selectors.servicesOf(cur)));
    },
    onDelete: (obj) =>
      enqueue(selectors.servicesOf(obj instanceof DeletedFinalStateUnknown ? obj.object : obj)),
  });
}
