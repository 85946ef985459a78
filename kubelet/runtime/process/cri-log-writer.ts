/**
 * Writes a container's stdout and stderr to its log file in the CRI logging
 * format (`<RFC 3339 nano time> <stream> <P|F> <content>`), the format
 * `kubelet/log-line-format.ts` reads. Output is cut into lines at newlines; a
 * line longer than `maxLineBytes` is written as P (partial) pieces followed by
 * its F (final) piece, as containerd does, so a container that never writes a
 * newline cannot hold memory. The file is opened for append, so a restarted
 * runtime continues the same file.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

export type LogStream = 'stdout' | 'stderr';

export const maxLineBytes = 16 * 1024;

/** The current time in RFC 3339 with nanoseconds, as CRI log lines carry it. */
export function logTimestamp(now = Date.now()): string {
  const iso = new Date(now).toISOString(); // 2024-05-01T10:00:00.123Z
  return `${iso.slice(0, 23)}000000Z`;
}

export interface CriLogWriter {
  /** Copies one of the container's streams into the log until it ends. */
  attach(source: Readable, stream: LogStream): Promise<void>;
  /** Closes the file and opens the path again (after the kubelet rotated it). */
  reopen(): void;
  close(): Promise<void>;
}

export function createCriLogWriter(path: string): CriLogWriter {
  let file: WriteStream | undefined;
  const open = (): WriteStream => {
    if (!file) {
      mkdirSync(dirname(path), { recursive: true });
      file = createWriteStream(path, { flags: 'a' });
      file.on('error', () => {});
    }
    return file;
  };
  const write = (stream: LogStream, tag: 'P' | 'F', content: Buffer): void => {
    open().write(Buffer.concat([Buffer.from(`${logTimestamp()} ${stream} ${tag} `), content, NEWLINE]));
  };

  return {
    attach(source, stream) {
      return new Promise<void>((resolve) => {
        let pending = Buffer.alloc(0);
        source.on('data', (chunk: Buffer) => {
          let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
          for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a)) {
            write(stream, 'F', data.subarray(0, nl));
            data = data.subarray(nl + 1);
          }
          while (data.length > maxLineBytes) {
            write(stream, 'P', data.subarray(0, maxLineBytes));
            data = data.subarray(maxLineBytes);
          }
          pending = Buffer.from(data);
        });
        const finish = (): void => {
          if (pending.length > 0) write(stream, 'F', pending);
          pending = Buffer.alloc(0);
          resolve();
        };
        source.once('end', finish);
        source.once('error', finish);
        source.once('close', () => resolve());
      });
    },
    reopen() {
      file?.end();
      file = undefined;
      open();
    },
    close() {
      const f = file;
      file = undefined;
      if (!f) return Promise.resolve();
      return new Promise<void>((resolve) => f.end(resolve));
    },
  };
}

const NEWLINE = Buffer.from('\n');
