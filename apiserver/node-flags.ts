/**
 * The Node flags the apiserver process runs with. `wheelhouse up` and the test cluster
 * (so also `npm run bench:apiserver`) start it with them; run it by hand as
 * `node --max-semi-space-size=32 bin/wheelhouse.js apiserver …`.
 *
 * A 32 MiB young generation (V8's default here is 16 MiB): the objects of requests and
 * watch deliveries that are still in flight at a scavenge are promoted far less often,
 * so old-generation collections come less often. Their pauses (80–90 ms were measured
 * with ~400 MiB of heap) hold up every watcher at once, and at 500 events/s to 1,000
 * watchers one such pause took the fan-out p99 from ~70 ms to ~250 ms.
 */
export const APISERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
