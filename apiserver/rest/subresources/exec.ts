/**
 * `pods/exec` over a WebSocket, as kubectl 1.30+ speaks it (KEP-3396): the subprotocols
 * `v5.channel.k8s.io` and `v4.channel.k8s.io`, every message binary with its channel
 * first — 0 stdin, 1 stdout, 2 stderr, 3 error (one `Status` as JSON when the command
 * ends: Success, or NonZeroExitCode with the code in details.causes[reason=ExitCode]),
 * 4 resize (`{"Width","Height"}`), and in v5 255 to close a channel (`[255, 0]`: stdin
 * ended). The command runs through the same kubelet connection as the gRPC ExecPod.
 *
 * Everything that can fail before the command starts (authorization, the Pod, the
 * container, the subprotocol) is thrown before the 101 is written, so that the client
 * sees an HTTP Status; what fails later goes out on the error channel.
 */
import { EventEmitter } from 'node:events';
import { ApiError } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ExecPodRequest, ExecPodResponse } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { kinds } from '../../../sdk/kinds.js';
import type { JsonObject } from '../../../sdk/manifest/index.js';
import { type ExecStream, execTarget } from '../../kinds/pod/exec.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { HttpError, statusOf } from '../errors.js';
import type { RestHandler, RestSubresource } from '../types.js';
import { CloseCode, createWebSocket, handshakeResponse, negotiate, type WebSocket } from './websocket.js';

export const execProtocolV5 = 'v5.channel.k8s.io';
export const execProtocolV4 = 'v4.channel.k8s.io';
/** In the server's order of preference. */
export const execProtocols = [execProtocolV5, execProtocolV4] as const;

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

const podInfo = kinds.find((k) => k.kind === 'Pod')!;

/** `true`, `1` and a bare `stdin` are true, as Kubernetes' query parameter decoding has it. */
function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && v !== 'false' && v !== '0';
}

const execHandler: RestHandler = async (req, _res, services) => {
  const upgrade = req.upgrade;
  if (!upgrade) {
    throw HttpError.badRequest(
      `pods/exec streams over a WebSocket: send an "Upgrade: websocket" request with the subprotocol ${execProtocolV5}`,
    );
  }
  const query = req.url.searchParams;
  const start = {
    namespace: req.namespace || 'default',
    name: req.name,
    container: query.get('container') ?? '',
    command: query.getAll('command'),
    stdin: flag(query, 'stdin'),
    stdout: flag(query, 'stdout'),
    stderr: flag(query, 'stderr'),
    tty: flag(query, 'tty'),
  };
  await services.authorize(req, {
    verb: 'create',
    info: podInfo,
    subresource: 'exec',
    namespace: start.namespace,
    name: start.name,
  });
  const protocol = negotiate(req.headers, execProtocols);
  const pods = services.registries.get('Pod') as unknown as GenericRegistry<Pod>;
  const { pod, container } = await execTarget(pods, start);
  const podExec = services.podExec;
  if (!podExec) {
    throw ApiError.unavailable(
      `no kubelet connection for node "${pod.spec?.nodeName ?? ''}": this apiserver was started without --kubelet-client-certificate`,
    );
  }

  const { socket, head } = upgrade;
  socket.write(handshakeResponse(String(req.headers['sec-websocket-key']), protocol));
  const abort = new AbortController();
  const stream = new ChannelStream(protocol);
  const ws = createWebSocket(socket, head, {
    onMessage: (data) => stream.receive(data),
    onClose: () => {
      stream.clientGone();
      abort.abort();
    },
  });
  stream.attach(ws);
  req.signal.addEventListener('abort', () => abort.abort(), { once: true });

  let outcome: JsonObject;
  try {
    await podExec(pod, container, { ...start, container }, stream, abort.signal);
    outcome = exitStatus(stream.exit);
  } catch (err) {
    outcome = statusOf(err).body;
  }
  if (!abort.signal.aborted) {
    ws.send(Buffer.concat([Buffer.of(Channel.error), Buffer.from(JSON.stringify(outcome))]));
    ws.close(CloseCode.normal);
  }
  return undefined;
};

/** The error channel's Status for how the command ended. */
export function exitStatus(exit: { exitCode: number; message: string } | undefined): JsonObject {
  if (exit === undefined || exit.exitCode === 0) {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  }
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: exit.message || `command terminated with non-zero exit code: ${exit.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exit.exitCode) }] },
  };
}

/**
 * The exec's messages over the WebSocket's channels, as the kubelet relay (ExecStream)
 * reads and writes them. Messages that arrive before the relay listens are kept, so
 * stdin the client sends at once is not lost.
 */
class ChannelStream extends EventEmitter implements ExecStream {
  exit: { exitCode: number; message: string } | undefined;
  private ws: WebSocket | undefined;
  private paused = true;
  private readonly queued: ExecPodRequest[] = [];
  private ended = false;

  constructor(private readonly protocol: string) {
    super();
  }

  attach(ws: WebSocket): void {
    this.ws = ws;
    ws.socket.on('drain', () => this.emit('drain'));
  }

  /** One message from the client. */
  receive(data: Buffer): void {
    const channel = data[0];
    const body = data.subarray(1);
    if (channel === Channel.stdin) {
      if (body.length > 0) this.deliver({ message: { $case: 'stdin', value: Buffer.from(body) } });
    } else if (channel === Channel.resize) {
      const size = parseResize(body);
      if (size) this.deliver({ message: { $case: 'resize', value: size } });
    } else if (channel === Channel.close && this.protocol === execProtocolV5 && body[0] === Channel.stdin) {
      this.deliver({ message: { $case: 'stdinClose', value: true } });
    }
  }

  clientGone(): void {
    if (this.ended) return;
    this.ended = true;
    this.queued.length = 0;
    this.emit('end');
  }

  write(response: ExecPodResponse): boolean {
    const m = response.message;
    if (!this.ws) return true;
    switch (m?.$case) {
      case 'stdout':
        return this.ws.send(Buffer.concat([Buffer.of(Channel.stdout), m.value]));
      case 'stderr':
        return this.ws.send(Buffer.concat([Buffer.of(Channel.stderr), m.value]));
      case 'exit':
        this.exit = m.value;
        return true;
      default:
        return true;
    }
  }

  pause(): this {
    this.paused = true;
    this.ws?.pause();
    return this;
  }

  resume(): this {
    this.paused = false;
    while (!this.paused && this.queued.length > 0) this.emit('data', this.queued.shift());
    if (!this.paused) this.ws?.resume();
    return this;
  }

  private deliver(request: ExecPodRequest): void {
    if (this.ended) return;
    if (this.paused || this.queued.length > 0) this.queued.push(request);
    else this.emit('data', request);
  }
}

/** `{"Width":80,"Height":24}` as kubectl sends a terminal's size; undefined when it is not one. */
export function parseResize(body: Buffer): { width: number; height: number } | undefined {
  try {
    const size = JSON.parse(body.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const width = Number(size.Width);
    const height = Number(size.Height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}

export const podExecSubresource: RestSubresource = {
  methods: ['GET', 'POST'],
  verbs: ['create', 'get'],
  kind: { group: '', version: 'v1', kind: 'PodExecOptions' },
  upgrade: true,
  handler: execHandler,
};
