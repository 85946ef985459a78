/**
 * `whctl`: the command line for a Wheelhouse cluster. The first Ctrl-C stops a
 * running command (a watch ends, and whctl exits 0); a second one exits at once.
 */
import type { CommandIo } from '../cli/whctl/context.js';
import { runWhctl } from '../cli/whctl/main.js';

const interrupt = new AbortController();
const onSignal = () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// A reader that went away (`whctl get pods | head -1`) is not an error: stop as
// quietly as a process killed by SIGPIPE would, without a stack.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/**
 * The process's streams, built here rather than imported: importing them from the
 * commands' context would load the API client, which `whctl --help` never needs.
 */
const io: CommandIo = {
  write: (text) => process.stdout.write(text),
  writeError: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
  now: () => new Date(),
};

// No top-level await: the build bundles this file as CommonJS (scripts/build.mjs).
void runWhctl(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
});
