/**
 * KubeletService.Exec, the kubelet's end: finds the running container of the Pod
 * through the runtime (by the labels the kubelet puts on every container), starts
 * the command with the runtime's `exec`, and relays the streams both ways.
 *
 * Backpressure holds both ways, so nothing is buffered without bound: the command's
 * output is read only as fast as the caller reads the call, and the call's stdin is
 * read only as fast as the command reads its stdin. The caller cancelling (or going
 * away) kills the command.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { ApiError } from '../sdk/errors.js';
import { type Container, ContainerState } from '../sdk/gen/runtime/v1/api.js';
import type {
  ExecRequest,
  ExecResponse,
  ExecStart,
} from '../sdk/gen/wheelhouse/kubelet/v1/kubelet_service.js';
import type { Logger } from '../sdk/logger.js';
import { asyncDuplex, firstStartMessage } from '../sdk/server/index.js';
import {
  containerNameLabel,
  type ExecSession,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
  type RuntimeService,
} from './runtime/runtime.js';

/** What Exec needs of the runtime. */
export type ExecRuntime = Pick<RuntimeService, 'listContainers' | 'exec'>;

type ExecCall = ServerDuplexStream<ExecRequest, ExecResponse>;

/** The grpc-js handler of KubeletService.Exec; without a runtime it answers UNIMPLEMENTED. */
export function execHandler(runtime: ExecRuntime | undefined, logger: Logger): (call: ExecCall) => void {
  return asyncDuplex((call: ExecCall, signal) => serveExec(runtime, call, signal, logger));
}

async function serveExec(
  runtime: ExecRuntime | undefined,
  call: ExecCall,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  if (!runtime) throw ApiError.unimplemented('this kubelet API serves no container runtime to exec in');
  const start = await firstStartMessage<ExecStart, ExecRequest>(
    call,
    signal,
    'Exec',
    'what to run and where',
  );
  checkStart(start);
  const container = await runningContainer(runtime, start);
  logger.info(
    {
      pod: `${start.namespace}/${start.podName}`,
      container: start.container,
      command: start.command,
      tty: start.tty,
    },
    'exec',
  );
  const session = await runtime.exec(
    {
      containerId: container.id,
      cmd: start.command,
      tty: start.tty,
      stdin: start.stdin,
      stdout: start.stdout,
      // As asked: a runtime that gives a terminal merges stderr into it (CRI refuses both).
      stderr: start.stderr,
    },
    signal,
  );
  try {
    call.write({ message: { $case: 'started', value: { tty: session.tty } } });
    const exitCode = await relay(session, call, signal);
    if (signal.aborted) return;
    call.write({
      message: {
        $case: 'exit',
        value: {
          exitCode,
          message: exitCode === 0 ? '' : `command terminated with non-zero exit code: ${exitCode}`,
        },
      },
    });
  } finally {
    session.close();
  }
}

function checkStart(start: ExecStart): void {
  const missing = (
    [
      ['namespace', start.namespace === ''],
      ['podName', start.podName === ''],
      ['container', start.container === ''],
      ['command', start.command.length === 0],
    ] as const
  )
    .filter(([, absent]) => absent)
    .map(([field]) => field);
  if (missing.length > 0) {
    throw ApiError.invalid(
      `exec needs ${missing.join(', ')}: name the pod, the container and a command to run`,
      missing.map((field) => ({ field, message: 'Required value', reason: 'FieldValueRequired' })),
    );
  }
  if (!start.stdin && !start.stdout && !start.stderr) {
    throw ApiError.invalid('exec needs at least one of stdin, stdout and stderr');
  }
}

/** The container to run in: this pod's container of that name, which must be running. */
async function runningContainer(runtime: ExecRuntime, start: ExecStart): Promise<Container> {
  const where = `container "${start.container}" of pod ${start.namespace}/${start.podName}`;
  const { containers } = await runtime.listContainers({
    filter: {
      id: '',
      podSandboxId: '',
      labelSelector: {
        [podNamespaceLabel]: start.namespace,
        [podNameLabel]: start.podName,
        [containerNameLabel]: start.container,
        ...(start.podUid !== '' ? { [podUidLabel]: start.podUid } : {}),
      },
    },
  });
  if (containers.length === 0) {
    throw ApiError.notFound(
      `${where}${start.podUid !== '' ? ` (uid ${start.podUid})` : ''} is not on this node: the pod may have been deleted or replaced, or its container not created yet`,
    );
  }
  const running = containers.find((c) => c.state === ContainerState.CONTAINER_RUNNING);
  if (!running) {
    const states = containers.map((c) => stateName(c.state)).join(', ');
    throw ApiError.failedPrecondition(
      `${where} is not running (${states}): a command can run only in a running container; wait until it is running`,
    );
  }
  return running;
}

function stateName(state: ContainerState): string {
  return ['created', 'running', 'exited', 'unknown'][state] ?? 'unknown';
}

/**
 * Copies the call's stdin to the command and the command's output to the call, each
 * side no faster than the other reads. Resolves with the exit code once the command
 * ended and its output was sent.
 */
function relay(session: ExecSession, call: ExecCall, signal: AbortSignal): Promise<number> {
  const outputs: [NodeJS.ReadableStream, 'stdout' | 'stderr'][] = [];
  if (session.stdout) outputs.push([session.stdout, 'stdout']);
  if (session.stderr) outputs.push([session.stderr, 'stderr']);

  // Output: pause every output stream while the call's buffer is full.
  let waitingForDrain = false;
  const onDrain = () => {
    waitingForDrain = false;
    for (const [stream] of outputs) stream.resume();
  };
  call.on('drain', onDrain);
  const outputsEnded = outputs.map(
    ([stream, name]) =>
      new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => {
          if (signal.aborted) return;
          const ok = call.write({ message: { $case: name, value: chunk } } as ExecResponse);
          if (!ok && !waitingForDrain) {
            waitingForDrain = true;
            for (const [s] of outputs) s.pause();
          }
        });
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', () => resolve());
      }),
  );

  // Input: stdin bytes, its end, resizes; the call is paused while the command's stdin is full.
  const stdin = session.stdin;
  stdin?.on('error', () => {
    // The command exited or closed its stdin: what the caller still sends is dropped.
  });
  const onData = (request: ExecRequest) => {
    const m = request.message;
    switch (m?.$case) {
      case 'stdin':
        if (stdin && !stdin.writableEnded && !stdin.destroyed && !stdin.write(m.value)) {
          call.pause();
          stdin.once('drain', () => call.resume());
        }
        return;
      case 'stdinClose':
        if (stdin && !stdin.writableEnded) stdin.end();
        return;
      case 'resize':
        session.resize({ width: m.value.width, height: m.value.height });
        return;
      default:
        return;
    }
  };
  const onEnd = () => {
    // The caller half-closed its side: it sends nothing more, stdin included.
    if (stdin && !stdin.writableEnded) stdin.end();
  };
  call.on('data', onData);
  call.on('end', onEnd);
  call.resume();

  return Promise.all([session.exitCode, ...outputsEnded])
    .then(([code]) => code)
    .finally(() => {
      call.off('data', onData);
      call.off('end', onEnd);
      call.off('drain', onDrain);
    });
}
