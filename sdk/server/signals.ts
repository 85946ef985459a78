/**
 * Graceful shutdown on SIGTERM and SIGINT: run the stop function once; a second
 * signal while it runs exits at once.
 */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>, exit = true): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    stop(signal).then(
      () => exit && process.exit(0),
      () => exit && process.exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
