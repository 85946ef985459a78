// Preloaded with `node --import` (through NODE_OPTIONS): on $BENCH_MEMORY_SIGNAL (default
// SIGUSR2) the process collects its garbage (a full collection through the
// inspector, as DevTools' "collect garbage" does: nothing has to be started with
// --expose-gc) and writes what it holds to $BENCH_MEMORY_DIR/memory-<pid>-<n>.json: its
// RSS before and after the collection, process.memoryUsage(), and V8's heap and space
// statistics. With $BENCH_MEMORY_SNAPSHOT=1 it also writes a heap snapshot beside it,
// which freezes a large heap for minutes: for a small one. A file snapshot-<pid> in the
// dir asks that one process for one snapshot at its next probe, written to the path the file
// holds (outside the dir, which the soak removes): two of them, taken at two points of a
// run and diffed, show what grows between them. $BENCH_V8_FLAGS is handed to
// v8.setFlagsFromString first thing, to compare V8 heap flags without a command line of
// their own (flags V8 reads at each collection take effect; sizes fixed at start do not).
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import v8 from 'node:v8';

const dir = process.env.BENCH_MEMORY_DIR;
if (process.env.BENCH_V8_FLAGS) v8.setFlagsFromString(process.env.BENCH_V8_FLAGS);

function rss() {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

if (dir) {
  let probes = 0;
  const collect = (session) =>
    new Promise((resolve, reject) =>
      session.post('HeapProfiler.collectGarbage', (err) => (err ? reject(err) : resolve())),
    );
  process.on(process.env.BENCH_MEMORY_SIGNAL ?? 'SIGUSR2', async () => {
    const n = ++probes;
    const before = { rss: rss(), ...process.memoryUsage() };
    const session = new Session();
    session.connect();
    const started = performance.now();
    // The inspector collects in a task of its own and answers once done. Twice: the
    // first collection's finalizers and weak callbacks can free more for the second.
    await collect(session);
    await collect(session);
    const gcMs = performance.now() - started;
    session.disconnect();
    const report = {
      pid: process.pid,
      before,
      after: { rss: rss(), ...process.memoryUsage() },
      gcMs,
      heap: v8.getHeapStatistics(),
      spaces: v8.getHeapSpaceStatistics(),
    };
    const base = join(dir, `memory-${process.pid}-${n}`);
    if (process.env.BENCH_MEMORY_SNAPSHOT === '1') v8.writeHeapSnapshot(`${base}.heapsnapshot`);
    // Written whole, then renamed: the reader polls for the name.
    writeFileSync(`${base}.tmp`, JSON.stringify(report));
    renameSync(`${base}.tmp`, `${base}.json`);
    // After the report, so that the reader's timeout does not count the snapshot's minutes.
    const request = join(dir, `snapshot-${process.pid}`);
    if (existsSync(request)) {
      const target = readFileSync(request, 'utf8').trim();
      rmSync(request, { force: true });
      v8.writeHeapSnapshot(`${target}.tmp`);
      renameSync(`${target}.tmp`, target);
    }
  });
}
