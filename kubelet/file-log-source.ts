/**
 * Container logs read from the files a container runtime writes, in Kubernetes' layout:
 *
 *   <root>/<namespace>_<pod>_<pod uid>/<container>/<instance>.log
 *
 * where <instance> counts the container's starts (0, 1, 2, ...): the highest is the
 * current instance, the one before it the previous one. Lines are in the CRI logging
 * format (see log-line-format.ts).
 */
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../sdk/errors.js';
import type { ContainerLogRequest, ContainerLogSource } from './container-logs.js';
import { LogFormatter } from './log-line-format.js';

export interface FileLogSourceOptions {
  /** The folder of the pods' log folders (a kubelet's /var/log/pods). */
  readonly root: string;
  /**
   * How often a following stream looks for more when the file system sends no change
   * notification (they are not guaranteed everywhere); 250 ms by default.
   */
  readonly pollMs?: number;
}

const BLOCK = 64 * 1024;
/** Chunks sent to the client are cut at about this size. */
const CHUNK = 32 * 1024;
const NEWLINE = 0x0a;

export function fileLogSource(options: FileLogSourceOptions): ContainerLogSource {
  const pollMs = options.pollMs ?? 250;
  return {
    async *stream(request, signal) {
      const containerDir = join(await podDir(options.root, request), request.container);
      const instances = await logInstances(containerDir);
      const current = instances.at(-1);
      const chosen = request.previous ? instances.at(-2) : current;
      if (chosen === undefined) {
        throw ApiError.notFound(
          request.previous
            ? `container "${request.container}" of pod ${request.namespace}/${request.podName} has no previous terminated instance`
            : `no log of container "${request.container}" of pod ${request.namespace}/${request.podName} on this node`,
        );
      }
      const file = await open(join(containerDir, `${chosen}.log`), 'r');
      try {
        yield* readLog(
          file,
          request,
          signal,
          async () => {
            // The instance has ended once a newer one writes its own log (or the pod's logs are gone).
            const now = await logInstances(containerDir).catch(() => []);
            return now.length === 0 || (now.at(-1) ?? 0) > chosen;
          },
          join(containerDir, `${chosen}.log`),
          pollMs,
        );
      } finally {
        await file.close();
      }
    },
  };
}

/** The pod's log folder: by uid when the caller gave one, else the newest of that pod name. */
async function podDir(root: string, request: ContainerLogRequest): Promise<string> {
  const prefix = `${request.namespace}_${request.podName}_`;
  if (request.podUid !== '') {
    const dir = join(root, prefix + request.podUid);
    if (await isDirectory(dir)) return dir;
  } else {
    // Namespaces and pod names have no underscore, so the prefix names one pod.
    const entries = (await readdir(root).catch(() => [] as string[])).filter((e) => e.startsWith(prefix));
    const dated = await Promise.all(
      entries.map(async (e) => ({ dir: join(root, e), mtime: (await stat(join(root, e))).mtimeMs })),
    );
    const newest = dated.sort((a, b) => b.mtime - a.mtime)[0];
    if (newest) return newest.dir;
  }
  throw ApiError.notFound(
    `pod ${request.namespace}/${request.podName}${request.podUid ? ` (uid ${request.podUid})` : ''} has no logs on this node`,
  );
}

/** The instance numbers that have a log file, in ascending order. */
async function logInstances(containerDir: string): Promise<number[]> {
  const entries = await readdir(containerDir).catch(() => [] as string[]);
  return entries
    .map((e) => /^(\d+)\.log$/.exec(e)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function* readLog(
  file: FileHandle,
  request: ContainerLogRequest,
  signal: AbortSignal,
  instanceEnded: () => Promise<boolean>,
  path: string,
  pollMs: number,
): AsyncGenerator<Buffer> {
  const formatter = new LogFormatter({
    timestamps: request.timestamps,
    ...(request.sinceSeconds !== undefined ? { notBefore: Date.now() - request.sinceSeconds * 1000 } : {}),
    ...(request.limitBytes !== undefined ? { limitBytes: request.limitBytes } : {}),
  });
  let position = request.tailLines !== undefined ? await tailStart(file, request.tailLines) : 0;
  let carry: Buffer = Buffer.alloc(0);
  const changes = request.follow ? new FileChanges(path) : undefined;
  const block = Buffer.allocUnsafe(BLOCK);
  let out: Buffer[] = [];
  let outBytes = 0;
  try {
    while (!signal.aborted && !formatter.full) {
      const { bytesRead } = await file.read(block, 0, BLOCK, position);
      if (bytesRead > 0) {
        position += bytesRead;
        const data =
          carry.length > 0
            ? Buffer.concat([carry, block.subarray(0, bytesRead)])
            : block.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
          const before = out.length;
          formatter.push(data.subarray(start, nl), out);
          for (let i = before; i < out.length; i++) outBytes += out[i]!.length;
          start = nl + 1;
          if (outBytes >= CHUNK) {
            yield Buffer.concat(out);
            out = [];
            outBytes = 0;
          }
        }
        // The block buffer is reused by the next read: copy what still points into it.
        carry = Buffer.from(data.subarray(start));
        if (out.length > 0) out = [Buffer.concat(out)];
        continue;
      }
      // At the end of what is written so far.
      if (outBytes > 0) {
        yield Buffer.concat(out);
        out = [];
        outBytes = 0;
      }
      if (!changes) break;
      const size = (await file.stat()).size;
      if (size < position) {
        // Truncated in place (copytruncate rotation): start over from its new beginning.
        position = 0;
        carry = Buffer.alloc(0);
        continue;
      }
      if (size > position) continue;
      if (await instanceEnded()) {
        // A last look: lines written between the read above and the new instance's start.
        if ((await file.stat()).size > position) continue;
        break;
      }
      await changes.next(signal, pollMs);
    }
    if (!signal.aborted && carry.length > 0) {
      // The log ends without a newline and no more will come: send the rest as it is.
      formatter.push(carry, out);
    }
    if (out.length > 0 && !signal.aborted) yield Buffer.concat(out);
  } finally {
    changes?.close();
  }
}

/**
 * Where the last `lines` lines begin: the file is scanned backwards from its end, block by
 * block, so that a tail of a large log reads only its end. A final newline ends the last
 * line rather than starting an empty one.
 */
export async function tailStart(file: FileHandle, lines: number): Promise<number> {
  const size = (await file.stat()).size;
  if (lines <= 0) return size;
  const block = Buffer.allocUnsafe(BLOCK);
  let end = size;
  let seen = 0;
  while (end > 0) {
    const start = Math.max(0, end - BLOCK);
    const { bytesRead } = await file.read(block, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (block[i] !== NEWLINE || start + i === size - 1) continue;
      seen += 1;
      if (seen === lines) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

/**
 * Wakes a following reader when its file changes: a file-system notification where the
 * platform gives one, a poll otherwise (and as a safety net for missed notifications).
 */
class FileChanges {
  private readonly watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(path: string) {
    try {
      this.watcher = watch(path, { persistent: false }, () => {
        this.changed = true;
        this.wake?.();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      this.watcher = undefined;
    }
  }

  /** Resolves at the next change, after `pollMs`, or when `signal` aborts, whichever is first. */
  async next(signal: AbortSignal, pollMs: number): Promise<void> {
    if (!this.changed && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        signal.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
    }
    this.changed = false;
  }

  close(): void {
    this.watcher?.close();
  }
}
