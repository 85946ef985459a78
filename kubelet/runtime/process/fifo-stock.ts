/**
 * FIFOs made ahead of need, many per `mkfifo`: Node has no mkfifo of its own, so every
 * FIFO costs a process, and a process costs a fork and an exec that take tens of
 * milliseconds on a busy host. Each container needs two (its stdout and stderr); taking
 * them from the stock is two renames, and one `mkfifo` refills the stock for many
 * containers, in the background, once it runs low.
 *
 * The stock is filled at creation and refilled below half a batch. It is a directory on the runtime's own filesystem (a rename cannot cross
 * filesystems); FIFOs left there by an earlier runtime are used first.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface FifoStock {
  /** Moves one FIFO from the stock to each of `targets` (made first when the stock is short). */
  take(...targets: string[]): Promise<void>;
}

export function createFifoStock(
  dir: string,
  /** Makes FIFOs at the given paths (one `mkfifo` call). */
  make: (paths: string[]) => Promise<void>,
  opts: { batch?: number } = {},
): FifoStock {
  const batch = Math.max(2, opts.batch ?? 32);
  mkdirSync(dir, { recursive: true });
  const ready: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      if (statSync(path).isFIFO()) ready.push(path);
    } catch {
      // Gone meanwhile.
    }
  }
  const prefix = randomBytes(6).toString('hex');
  let seq = 0;
  let refill: Promise<void> | undefined;
  /** One refill at a time; every caller short of FIFOs waits for the same one. */
  const fill = (): Promise<void> => {
    refill ??= (async () => {
      const paths = Array.from({ length: batch }, () => join(dir, `${prefix}-${seq++}`));
      try {
        await make(paths);
        ready.push(...paths);
      } finally {
        refill = undefined;
      }
    })();
    return refill;
  };
  // Stocked from the start: the first container need not wait for a `mkfifo`.
  if (ready.length < batch / 2) fill().catch(() => undefined);
  return {
    async take(...targets) {
      while (ready.length < targets.length) await fill();
      for (const target of targets) renameSync(ready.shift() as string, target);
      if (ready.length < batch / 2) fill().catch(() => undefined);
    },
  };
}
