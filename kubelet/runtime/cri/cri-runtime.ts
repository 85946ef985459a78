/**
 * The `cri` runtime: a gRPC client of a CRI runtime (containerd, CRI-O, or the
 * process runtime served as CRI) on a unix socket, as the kubelet's
 * `--container-runtime-endpoint unix:///run/containerd/containerd.sock`.
 * Each call is the RPC of the same name; a gRPC failure becomes the SDK's
 * ApiError with the runtime's code and message, so the kubelet matches on
 * codes whatever the runtime. Streaming exec attaches to the URL the runtime's
 * Exec answers with (remote-command.ts).
 */
import { type CallOptions, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ApiError, Code, fromServiceError } from '../../../sdk/errors.js';
import { ImageServiceClient, RuntimeServiceClient } from '../../../sdk/gen/runtime/v1/api.js';
import type { ContainerRuntime } from '../runtime.js';
import { openRemoteCommand } from './remote-command.js';

export interface CriRuntimeOptions {
  /** `unix:///path/to/socket` (or a bare absolute path). */
  endpoint: string;
  /** Deadline of each call. Default 2 minutes: PullImage of a large image takes long. */
  timeoutMs?: number;
}

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

/** The grpc-js target for a CRI endpoint. */
export function criTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint;
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  throw ApiError.invalid(
    `runtime endpoint "${endpoint}" is not a unix socket; give it as unix:///path/to/runtime.sock`,
  );
}

export function createCriRuntime(options: CriRuntimeOptions): ContainerRuntime {
  const target = criTarget(options.endpoint);
  const channelOptions = {
    'grpc.max_receive_message_length': 16 * 1024 * 1024 + 1024 * 1024,
    // The socket name is not a host name: no authority to derive from it.
    'grpc.default_authority': 'localhost',
  };
  const runtime = new RuntimeServiceClient(target, credentials.createInsecure(), channelOptions);
  const images = new ImageServiceClient(target, credentials.createInsecure(), channelOptions);
  const timeoutMs = options.timeoutMs ?? 120_000;

  function call<Req, Res>(client: object, method: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      method.call(client, request, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err) reject(fromServiceError(err));
        else resolve(response);
      });
    });
  }
  const r =
    <Req, Res>(method: Unary<Req, Res>) =>
    (request: Req) =>
      call(runtime, method, request);
  const i =
    <Req, Res>(method: Unary<Req, Res>) =>
    (request: Req) =>
      call(images, method, request);

  return {
    version: r(runtime.version),
    status: r(runtime.status),
    runPodSandbox: r(runtime.runPodSandbox),
    stopPodSandbox: r(runtime.stopPodSandbox),
    removePodSandbox: r(runtime.removePodSandbox),
    podSandboxStatus: r(runtime.podSandboxStatus),
    listPodSandbox: r(runtime.listPodSandbox),
    createContainer: r(runtime.createContainer),
    startContainer: r(runtime.startContainer),
    stopContainer: (request) =>
      // The runtime waits up to `timeout` seconds itself: the call's deadline must outlast it.
      new Promise((resolve, reject) => {
        runtime.stopContainer(
          request,
          new Metadata(),
          { deadline: Date.now() + timeoutMs + Number(request.timeout) * 1000 },
          (err, response) => (err ? reject(fromServiceError(err)) : resolve(response)),
        );
      }),
    removeContainer: r(runtime.removeContainer),
    listContainers: r(runtime.listContainers),
    containerStatus: r(runtime.containerStatus),
    reopenContainerLog: r(runtime.reopenContainerLog),
    execSync: (request) =>
      new Promise((resolve, reject) => {
        const limit = Number(request.timeout) > 0 ? Number(request.timeout) * 1000 + 5000 : timeoutMs;
        runtime.execSync(request, new Metadata(), { deadline: Date.now() + limit }, (err, response) => {
          if (!err) return resolve(response);
          const e = fromServiceError(err);
          // containerd reports an exec timeout as Unknown/DeadlineExceeded with "timeout" in words.
          if (e.code === Code.DEADLINE_EXCEEDED || /timeout|deadline/i.test(e.message))
            return reject(new ApiError(Code.DEADLINE_EXCEEDED, e.message));
          reject(e);
        });
      }),
    async exec(request, signal) {
      // CRI refuses stderr with a TTY: the terminal carries both.
      const asked = { ...request, stderr: request.stderr && !request.tty };
      const { url } = await call(runtime, runtime.exec, asked);
      return openRemoteCommand(url, asked, signal);
    },
    containerStats: r(runtime.containerStats),
    listContainerStats: r(runtime.listContainerStats),
    listImages: i(images.listImages),
    imageStatus: i(images.imageStatus),
    pullImage: i(images.pullImage),
    removeImage: i(images.removeImage),
    imageFsInfo: i(images.imageFsInfo),
    async close() {
      runtime.close();
      images.close();
    },
  };
}
