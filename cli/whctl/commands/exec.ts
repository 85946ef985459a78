/**
 * `whctl exec [-i] [-t] [-c container] <pod> -- <command…>`: runs a command in a
 * container of a running Pod through PodService.ExecPod, as `kubectl exec`. With -i the
 * terminal's (or pipe's) stdin goes to the command, read no faster than the command
 * takes it; with -t a terminal is allocated, the local one put in raw mode and its size
 * followed (SIGWINCH). whctl exits with the command's exit code.
 *
 * The command's output is written as bytes to this process's stdout and stderr, not
 * through the command's text streams: it may be anything a program prints.
 */
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import { channelCredentials, channelOptions } from '../../../sdk/credentials.js';
import { fromServiceError } from '../../../sdk/errors.js';
import {
  type ExecPodRequest,
  type ExecPodResponse,
  ExecPodStart,
  PodServiceClient,
} from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { Command } from '../command.js';
import { commonFlags, parseFlags } from '../flags.js';
import { DEFAULT_NAMESPACE } from '../namespaces.js';
import { UsageError } from '../usage-error.js';

const help = `Execute a command in a container of a running pod.

Usage:
  whctl exec [-i] [-t] [-c CONTAINER] POD -- COMMAND [args...]

Examples:
  whctl exec web -- date
  whctl exec -i -t web -c main -- sh
  echo hello | whctl exec -i web -- cat

Flags:
  -c, --container NAME   the container (default: the kubectl.kubernetes.io/default-container
                         annotation, else the pod's first container)
  -i, --stdin            pass stdin to the command
  -t, --tty              allocate a terminal (stdin must be a terminal)
  -q, --quiet            print only what the command prints
  -n, --namespace NS     namespace (default "default")
      --config FILE      client config

whctl exits with the command's exit code.
`;

type ExecStream = ClientDuplexStream<ExecPodRequest, ExecPodResponse>;

export const execCommand: Command = {
  summary: 'Execute a command in a container',
  help,
  async run(args, ctx) {
    // Everything after `--` is the command, untouched by flag parsing.
    const dash = args.indexOf('--');
    const own = dash >= 0 ? args.slice(0, dash) : args;
    const { values, positionals } = parseFlags(own, {
      ...commonFlags,
      container: { type: 'string', short: 'c' },
      stdin: { type: 'boolean', short: 'i' },
      tty: { type: 'boolean', short: 't' },
      quiet: { type: 'boolean', short: 'q' },
    });
    const [pod, ...rest] = positionals;
    const command = dash >= 0 ? [...rest, ...args.slice(dash + 1)] : rest;
    if (!pod) throw new UsageError('give the pod to exec in: whctl exec POD -- COMMAND');
    if (command.length === 0) throw new UsageError(`give a command to run: whctl exec ${pod} -- COMMAND`);

    const wantStdin = values.stdin === true;
    let tty = values.tty === true;
    if (tty && !(wantStdin && process.stdin.isTTY)) {
      if (!values.quiet)
        ctx.io.writeError(
          wantStdin
            ? 'Unable to use a TTY - input is not a terminal or the right kind of file\n'
            : 'Unable to use a TTY - add -i: a terminal needs stdin\n',
        );
      tty = false;
    }

    const config = ctx.config(values.config);
    const client = new PodServiceClient(config.server, channelCredentials(config), channelOptions(config));
    const stream: ExecStream = client.execPod();
    stream.write({
      message: {
        $case: 'start',
        value: ExecPodStart.fromPartial({
          namespace: values.namespace ?? DEFAULT_NAMESPACE,
          name: pod,
          container: values.container ?? '',
          command,
          stdin: wantStdin,
          stdout: true,
          stderr: !tty,
          tty,
        }),
      },
    });
    const cancel = () => stream.cancel();
    ctx.io.signal.addEventListener('abort', cancel, { once: true });
    const terminal = tty ? rawTerminal(stream) : undefined;
    // Without -i the caller's side is done once the command is named.
    if (!wantStdin) stream.end();
    const stopStdin = wantStdin ? sendStdin(stream) : () => {};
    try {
      return await new Promise<number>((resolve, reject) => {
        let exitCode: number | undefined;
        stream.on('data', (response: ExecPodResponse) => {
          const m = response.message;
          switch (m?.$case) {
            case 'started':
              if (tty && !m.value.tty && !values.quiet) {
                ctx.io.writeError(
                  `Unable to use a TTY - container ${m.value.container} did not allocate one\n`,
                );
              }
              if (tty && m.value.tty) terminal?.start();
              return;
            case 'stdout':
              forward(stream, process.stdout, m.value);
              return;
            case 'stderr':
              forward(stream, process.stderr, m.value);
              return;
            case 'exit':
              exitCode = m.value.exitCode;
              if (exitCode !== 0 && !values.quiet) {
                terminal?.stop();
                ctx.io.writeError(
                  exitCode < 0 ? `${m.value.message}\n` : `command terminated with exit code ${exitCode}\n`,
                );
              }
              return;
            default:
              return;
          }
        });
        stream.on('error', (err: ServiceError) => {
          if (ctx.io.signal.aborted) resolve(130);
          else reject(fromServiceError(err));
        });
        stream.on('end', () => resolve(exitCode === undefined ? 1 : exitCode < 0 ? 1 : exitCode));
      });
    } finally {
      terminal?.stop();
      stopStdin();
      ctx.io.signal.removeEventListener('abort', cancel);
      client.close();
    }
  },
};

/** Writes the command's output; the stream is paused while the local stream is full. */
function forward(stream: ExecStream, out: NodeJS.WriteStream, data: Buffer): void {
  if (!out.write(data)) {
    stream.pause();
    out.once('drain', () => stream.resume());
  }
}

/** Sends this process's stdin, then its end; returns a function that stops reading it. */
function sendStdin(stream: ExecStream): () => void {
  const input = process.stdin;
  const onData = (chunk: Buffer) => {
    if (stream.writableEnded) return;
    if (!stream.write({ message: { $case: 'stdin', value: Buffer.from(chunk) } })) {
      input.pause();
      stream.once('drain', () => input.resume());
    }
  };
  const onEnd = () => {
    if (stream.writableEnded) return;
    stream.write({ message: { $case: 'stdinClose', value: true } });
    stream.end();
  };
  input.on('data', onData);
  input.on('end', onEnd);
  return () => {
    input.off('data', onData);
    input.off('end', onEnd);
    // Reading stdin holds the process open: let go of it once the command ended.
    input.pause();
    input.unref?.();
  };
}

/** The local terminal in raw mode while the remote one runs, its size sent as it changes. */
function rawTerminal(stream: ExecStream): { start(): void; stop(): void } {
  const input = process.stdin;
  const output = process.stdout;
  let started = false;
  const resize = () => {
    if (stream.writableEnded) return;
    stream.write({
      message: { $case: 'resize', value: { width: output.columns ?? 80, height: output.rows ?? 24 } },
    });
  };
  return {
    start() {
      if (started) return;
      started = true;
      input.setRawMode?.(true);
      resize();
      process.on('SIGWINCH', resize);
    },
    stop() {
      if (!started) return;
      started = false;
      process.off('SIGWINCH', resize);
      input.setRawMode?.(false);
    },
  };
}
