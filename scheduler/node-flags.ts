/**
 * The Node flags the scheduler process runs with. `wheelhouse up` and the scheduler's
 * test harness (so also `npm run bench:scheduler`) start it with them; run it by hand as
 * `node --max-semi-space-size=64 bin/wheelhouse.js scheduler …`.
 *
 * A 64 MiB young generation (V8's default here is 16 MiB). The scheduler decodes each
 * pod twice (pending, then bound) and keeps it in its informer: at a thousand pods a
 * second a small young generation is scavenged several times a second, each time copying
 * the pods still in flight, and promotes them early, which the old generation's
 * collector then marks again. With 64 MiB fewer objects survive a scavenge and the
 * collector's helper threads, which compete with every other process for the cores, do
 * less: `bench:scheduler` (SchedulingBasic, 2 cores) went from 65.0 % to 72.2 % of the
 * bind ceiling, pooled over three runs without and six with.
 */
export const SCHEDULER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
