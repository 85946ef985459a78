/**
 * `whctl`: the command line for a Wheelhouse cluster. The first Ctrl-C stops a
 * running command (a watch ends, and whctl exits 0); a second one exits at once.
 */
import { processIo } from '../cli/whctl/context.js';
import { runWhctl } from '../cli/whctl/main.js';

const interrupt = new AbortController();
const onSignal = () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await runWhctl(process.argv.slice(2), processIo(interrupt.signal));
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
