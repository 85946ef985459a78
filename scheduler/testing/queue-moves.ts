/**
 * For plugin tests of queueing hints: whether a pod the plugin rejected leaves the
 * unschedulable set of a real SchedulingQueue on a cluster event.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { createFakeClock } from '../../sdk/workqueue/fake-clock.js';
import type { ClusterEventAction, ClusterEventResource, EnqueueExtensions } from '../framework/interface.js';
import { Status } from '../framework/status.js';
import { SchedulingQueue } from '../queue/scheduling-queue.js';

export interface EventUnderTest {
  readonly resource: ClusterEventResource;
  readonly actions: readonly ClusterEventAction[];
  readonly oldObj?: unknown;
  readonly newObj?: unknown;
}

/** Parks `pod` as rejected by `plugin`, fires `event`, and says whether the pod moved out of the unschedulable set. */
export async function movesOn(
  plugin: EnqueueExtensions & { readonly name: string },
  pod: Pod,
  event: EventUnderTest,
): Promise<boolean> {
  const clock = createFakeClock(1000);
  const q = new SchedulingQueue({
    clock,
    initialBackoffMs: 1000,
    maxBackoffMs: 10_000,
    preEnqueue: () => Status.SUCCESS,
    eventsToRegister: new Map([[plugin.name, plugin.eventsToRegister()]]),
  });
  try {
    q.add(pod);
    const qpi = await q.pop();
    if (qpi === undefined) throw new Error('the queue gave nothing back');
    qpi.unschedulablePlugins = new Set([plugin.name]);
    q.addUnschedulableIfNotPresent(qpi);
    if (q.sizes().unschedulable !== 1) throw new Error(`not parked: ${JSON.stringify(q.sizes())}`);
    q.onClusterEvent({ oldObj: undefined, newObj: undefined, ...event });
    return q.sizes().unschedulable === 0;
  } finally {
    q.close();
  }
}
