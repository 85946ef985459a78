// Preloaded with `node --import` (through NODE_OPTIONS, where --cpu-prof is not allowed):
// profiles the whole process with the inspector and writes a .cpuprofile, readable by
// Chrome DevTools, into $BENCH_PROFILE_DIR when the process exits.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename, join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // On the main thread the inspector answers synchronously, so this runs before the exit.
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const name = `${basename(process.argv[1] ?? 'node')}-${process.argv[2] ?? ''}-${process.pid}.cpuprofile`;
      writeFileSync(join(dir, name.replace(/[^\w.-]/g, '_')), JSON.stringify(result.profile));
    });
  });
}
