/**
 * The client end of Kubernetes' remote command protocol over WebSocket, as a CRI
 * runtime's streaming server speaks it at the URL its `Exec` answers with (containerd's
 * server is the kubelet's `cri/streaming` package). Every binary message starts with a
 * channel byte:
 *
 *   0 stdin (client → server)   1 stdout   2 stderr
 *   3 error: the final status, a JSON metav1.Status   4 resize (client → server, JSON
 *   {"Width","Height"})   255 close a channel (v5 only: [255, channel])
 *
 * The server first sends an empty message on its lowest writable channel, then output,
 * then the status on channel 3, and closes. `Success`, or `Failure` with reason
 * `NonZeroExitCode` and a cause `ExitCode` whose message is the code.
 *
 * `v5.channel.k8s.io` is offered first because only it can carry the end of stdin; a
 * runtime that speaks `v4.channel.k8s.io` (containerd 1.6 and 1.7) has no way to say it,
 * so there the end of the caller's stdin is not passed on: a command that reads stdin to
 * its end keeps waiting until it is killed. Commands that read what they need (a line, a
 * number of bytes) work on both.
 */
import { Readable, Writable } from 'node:stream';
import { ApiError, Code } from '../../../sdk/errors.js';
import type { ExecSession, TerminalSize } from '../runtime.js';
import { connectWebSocket, type WebSocketConnection } from './websocket-client.js';

export const remoteCommandProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface RemoteCommandOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** metav1.Status as the error channel carries it. */
interface Status {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Opens the streams of an exec at `url` (from CRI's ExecResponse). */
export async function openRemoteCommand(
  url: string,
  options: RemoteCommandOptions,
  signal?: AbortSignal,
): Promise<ExecSession> {
  let ws: WebSocketConnection;
  try {
    ws = await connectWebSocket(url, { protocols: remoteCommandProtocols, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw new ApiError(
      Code.UNAVAILABLE,
      `cannot attach to the exec at the runtime's streaming server: ${(err as Error).message}`,
    );
  }
  const canCloseStdin = ws.protocol === 'v5.channel.k8s.io';

  // Output: each stream pauses the connection while its reader is full.
  const output = (): Readable => new Readable({ read: () => ws.resume() });
  const stdout = options.stdout ? output() : null;
  const stderr = options.stderr && !options.tty ? output() : null;
  const statusChunks: Buffer[] = [];

  ws.on('message', (message: Buffer) => {
    if (message.length === 0) return;
    const channel = message[0];
    const data = message.subarray(1);
    if (data.length === 0) return; // The server's "ready" message.
    const target = channel === Channel.stdout ? stdout : channel === Channel.stderr ? stderr : undefined;
    if (target) {
      if (!target.push(data)) ws.pause();
    } else if (channel === Channel.error) {
      statusChunks.push(data);
    }
  });

  const exitCode = new Promise<number>((resolve, reject) => {
    let failure: Error | undefined;
    ws.on('error', (err: Error) => {
      failure ??= err;
    });
    ws.once('close', () => {
      stdout?.push(null);
      stderr?.push(null);
      if (signal?.aborted) return reject(new ApiError(Code.CANCELLED, 'the exec was cancelled'));
      if (statusChunks.length === 0) {
        return reject(
          new ApiError(
            Code.UNAVAILABLE,
            `the runtime's streaming server ended the exec without an exit status${failure ? `: ${failure.message}` : ''}`,
          ),
        );
      }
      try {
        resolve(exitCodeOf(JSON.parse(Buffer.concat(statusChunks).toString('utf8')) as Status));
      } catch (err) {
        reject(err);
      }
    });
  });
  // Settled with the output: a caller that only reads the streams must not see an unhandled rejection.
  exitCode.catch(() => undefined);

  const stdin = options.stdin
    ? new Writable({
        write(chunk: Buffer, _encoding, done) {
          ws.send(Buffer.concat([Buffer.of(Channel.stdin), chunk]), done);
        },
        final(done) {
          // v4 cannot say that stdin ended (see above); v5 closes the channel.
          if (canCloseStdin) ws.send(Buffer.of(Channel.close, Channel.stdin), () => done());
          else done();
        },
      })
    : null;
  stdin?.on('error', () => {
    // A write after the command ended: nothing left to receive it.
  });

  return {
    tty: options.tty,
    stdin,
    stdout,
    stderr,
    resize(size: TerminalSize) {
      if (!options.tty) return;
      ws.send(
        Buffer.concat([
          Buffer.of(Channel.resize),
          Buffer.from(JSON.stringify({ Width: size.width, Height: size.height })),
        ]),
      );
    },
    exitCode,
    close() {
      ws.destroy();
    },
  };
}

/** The exit code a final status carries, as the kubelet's remote command client reads it. */
export function exitCodeOf(status: Status): number {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
    throw new ApiError(
      Code.INTERNAL,
      `the runtime reported a non-zero exit without its code: ${status.message ?? ''}`,
    );
  }
  throw new ApiError(
    Code.UNKNOWN,
    `the runtime could not run the command: ${status.message || status.reason || 'no reason given'}`,
  );
}
