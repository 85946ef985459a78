/**
 * Every pod of the cluster as one watch sees it, for the scale benchmarks: when each was
 * created, scheduled, running and seen running, and the set of pods the watch says exist
 * — to be compared with a list at the end (none lost, none duplicated).
 *
 * Pod startup latency is split as ClusterLoader2 splits it: create→scheduled (the
 * PodScheduled condition's transition, set by the binding), scheduled→running (the Ready
 * condition's transition, written by the kubelet), running→observed (when this watch saw
 * the pod Running and Ready). All clocks are this machine's.
 *
 * The watch resumes from the last resourceVersion when its stream ends; if the apiserver
 * no longer has that version (or is away), it lists again and takes the list as the truth,
 * counting what it had missed (`relists`).
 */

import { WatchEventType } from '../sdk/client/dynamic-client.js';
import type { Clientset } from '../sdk/client/typed-client.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { watchWithoutManagedFields } from '../sdk/informers/watch-without-managed-fields.js';

export interface PodTimes {
  readonly key: string;
  readonly created: number;
  scheduled?: number;
  running?: number;
  observed?: number;
}

export interface PodTracker {
  /** Live pods by uid, as the watch says. */
  readonly live: ReadonlyMap<string, Pod>;
  /** Every pod seen Running, by uid (kept after deletion). */
  readonly times: ReadonlyMap<string, PodTimes>;
  /** ADDED events of a uid that was already live (a duplicate in the stream). */
  readonly duplicateAdds: number;
  /** DELETED events of a uid that was not live. */
  readonly unknownDeletes: number;
  /** Times the watch had to list again. */
  readonly relists: number;
  /** Live pods that are Running and Ready. */
  running(): number;
  /** Resolves once the first list is in. */
  readonly synced: Promise<void>;
  stop(): void;
}

function readyAt(pod: Pod): number | undefined {
  if (pod.status?.phase !== 'Running') return undefined;
  const ready = pod.status.conditions.find((c) => c.type === 'Ready' && c.status === 'True');
  return ready ? (ready.lastTransitionTime?.getTime() ?? Date.now()) : undefined;
}

/** Starts watching pods of every namespace. */
export function trackPods(clients: Clientset, onError: (err: unknown) => void = () => undefined): PodTracker {
  const pods = clients.kind<Pod>('Pod');
  const live = new Map<string, Pod>();
  const times = new Map<string, PodTimes>();
  const runningUids = new Set<string>();
  const stop = new AbortController();
  let duplicateAdds = 0;
  let unknownDeletes = 0;
  let relists = -1;

  const see = (pod: Pod, now: number) => {
    const uid = pod.metadata?.uid ?? '';
    live.set(uid, pod);
    const at = readyAt(pod);
    if (at === undefined) {
      runningUids.delete(uid);
      return;
    }
    runningUids.add(uid);
    if (times.has(uid)) return;
    const scheduled = pod.status?.conditions.find((c) => c.type === 'PodScheduled' && c.status === 'True');
    times.set(uid, {
      key: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
      created: pod.metadata?.creationTimestamp?.getTime() ?? now,
      scheduled: scheduled?.lastTransitionTime?.getTime() ?? at,
      running: at,
      observed: now,
    });
  };
  const forget = (uid: string) => {
    live.delete(uid);
    runningUids.delete(uid);
  };

  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  const relist = async (): Promise<string> => {
    relists++;
    const seen = new Set<string>();
    let token = '';
    let rv = '';
    const now = Date.now();
    do {
      const page = await pods.list('', { limit: '5000', continue: token });
      for (const pod of page.items) {
        seen.add(pod.metadata?.uid ?? '');
        see(pod, now);
      }
      token = page.continue;
      rv ||= page.resourceVersion;
    } while (token !== '');
    for (const uid of [...live.keys()]) if (!seen.has(uid)) forget(uid);
    return rv;
  };

  void (async () => {
    let rv = '';
    while (!stop.signal.aborted) {
      try {
        if (rv === '') {
          rv = await relist();
          markSynced();
        }
        // Without managed fields (nothing here reads them): most of a pod's decoding, and
        // this process shares the machine's cores with the plane it measures.
        for await (const message of watchWithoutManagedFields(
          clients.api,
          pods.info,
          '',
          { resourceVersion: rv, allowWatchBookmarks: true },
          stop.signal,
        )) {
          const now = Date.now();
          for (const event of message) {
            const pod = event.object as Pod | undefined;
            if (!pod) continue;
            rv = pod.metadata?.resourceVersion || rv;
            const uid = pod.metadata?.uid ?? '';
            if (event.type === WatchEventType.WATCH_EVENT_TYPE_ADDED) {
              if (live.has(uid)) duplicateAdds++;
              see(pod, now);
            } else if (event.type === WatchEventType.WATCH_EVENT_TYPE_MODIFIED) {
              see(pod, now);
            } else if (event.type === WatchEventType.WATCH_EVENT_TYPE_DELETED) {
              if (!live.has(uid)) unknownDeletes++;
              forget(uid);
            }
          }
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        onError(err);
        // Expired or the apiserver went away: start over from a list, a little later.
        rv = '';
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();

  return {
    live,
    times,
    get duplicateAdds() {
      return duplicateAdds;
    },
    get unknownDeletes() {
      return unknownDeletes;
    },
    get relists() {
      return Math.max(relists, 0);
    },
    running: () => runningUids.size,
    synced,
    stop: () => stop.abort(),
  };
}

/** The p-th percentile (0–100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
