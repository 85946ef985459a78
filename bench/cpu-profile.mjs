// Preloaded with `node --import` (through NODE_OPTIONS, where --cpu-prof is not allowed):
// profiles the process with the inspector and writes a .cpuprofile, readable by Chrome
// DevTools, into $BENCH_PROFILE_DIR. By default it profiles the whole process and writes
// when it exits. With $BENCH_PROFILE_SIGNAL (e.g. SIGUSR2) it profiles a window instead:
// the first such signal starts the profiler, the next one stops it and writes the file
// (suffixed with the window's number), and so on.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename, join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
const signal = process.env.BENCH_PROFILE_SIGNAL;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  let running = false;
  let windows = 0;
  const start = () => {
    session.post('Profiler.start');
    running = true;
  };
  const stop = () => {
    running = false;
    // On the main thread the inspector answers synchronously, so this runs before an exit.
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const window = signal ? `-${++windows}` : '';
      const name = `${basename(process.argv[1] ?? 'node')}-${process.argv[2] ?? ''}-${process.pid}${window}.cpuprofile`;
      writeFileSync(join(dir, name.replace(/[^\w.-]/g, '_')), JSON.stringify(result.profile));
    });
  };
  if (signal) process.on(signal, () => (running ? stop() : start()));
  else start();
  process.on('exit', () => {
    if (running) stop();
  });
}
