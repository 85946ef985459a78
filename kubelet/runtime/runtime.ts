/**
 * The container runtime as the kubelet sees it: the Container Runtime Interface
 * (CRI, `runtime.v1`) in its generated request and response types, made async.
 * Every runtime implements it — `process` (host process groups, the default),
 * `cri` (a gRPC client of containerd or any CRI runtime on a unix socket) and
 * `simulated` — so the kubelet's pod workers never know which one they drive.
 *
 * Contract, for every implementation:
 * - Identity travels in labels and annotations. The runtime stores the
 *   sandbox's and container's `labels` and `annotations` unchanged and returns
 *   them in List and Status answers; the kubelet puts the pod's namespace, name
 *   and uid and the container's name in the labels named below, and finds its
 *   pods again after a restart by listing and reading them.
 * - Logs are the runtime's job: a container's stdout and stderr go, in the CRI
 *   log format (`<RFC 3339 nano time> <stdout|stderr> <P|F> <content>`), to
 *   `PodSandboxConfig.logDirectory` + `/` + `ContainerConfig.logPath`, which the
 *   kubelet chooses (`<root>/<namespace>_<pod>_<uid>` and `<container>/<attempt>.log`)
 *   and `kubelet/file-log-source.ts` reads.
 * - Errors are the SDK's `ApiError` with a gRPC code: NOT_FOUND for an unknown
 *   sandbox, container or image; FAILED_PRECONDITION for a request the state
 *   forbids (starting a container twice, a container whose sandbox is not
 *   ready); INVALID_ARGUMENT for a malformed request; UNAVAILABLE when the
 *   runtime cannot be reached. Messages say what was wrong and how to fix it,
 *   because the kubelet shows them as the container's waiting message
 *   (`CreateContainerError`, `ErrImagePull`).
 * - Stop and Remove calls are idempotent: stopping a stopped sandbox or
 *   container, or removing one that is gone, succeeds.
 * - Times are nanoseconds since the Unix epoch, as decimal strings (int64).
 * - Where a runtime cannot enforce something a request asks for (a namespace,
 *   a cgroup limit, a bind mount), it still runs the container and says so in
 *   `Status` as a condition whose status is false (see `RuntimeConditionType`),
 *   so the node can report it; it never pretends.
 */
import type { Readable, Writable } from 'node:stream';
import type {
  ContainerStatsRequest,
  ContainerStatsResponse,
  ContainerStatusRequest,
  ContainerStatusResponse,
  CreateContainerRequest,
  CreateContainerResponse,
  ExecRequest,
  ExecSyncRequest,
  ExecSyncResponse,
  ImageFsInfoRequest,
  ImageFsInfoResponse,
  ImageStatusRequest,
  ImageStatusResponse,
  ListContainerStatsRequest,
  ListContainerStatsResponse,
  ListContainersRequest,
  ListContainersResponse,
  ListImagesRequest,
  ListImagesResponse,
  ListPodSandboxRequest,
  ListPodSandboxResponse,
  PodSandboxStatusRequest,
  PodSandboxStatusResponse,
  PullImageRequest,
  PullImageResponse,
  RemoveContainerRequest,
  RemoveContainerResponse,
  RemoveImageRequest,
  RemoveImageResponse,
  RemovePodSandboxRequest,
  RemovePodSandboxResponse,
  ReopenContainerLogRequest,
  ReopenContainerLogResponse,
  RunPodSandboxRequest,
  RunPodSandboxResponse,
  StartContainerRequest,
  StartContainerResponse,
  StatusRequest,
  StatusResponse,
  StopContainerRequest,
  StopContainerResponse,
  StopPodSandboxRequest,
  StopPodSandboxResponse,
  VersionRequest,
  VersionResponse,
} from '../../sdk/gen/runtime/v1/api.js';

/** The CRI API version every runtime here speaks. */
export const criApiVersion = 'v1';

/** Labels the kubelet sets on sandboxes and containers (the names the kubelet uses). */
export const podNameLabel = 'io.kubernetes.pod.name';
export const podNamespaceLabel = 'io.kubernetes.pod.namespace';
export const podUidLabel = 'io.kubernetes.pod.uid';
export const containerNameLabel = 'io.kubernetes.container.name';

/**
 * Condition types in `StatusResponse.status.conditions`. RuntimeReady and
 * NetworkReady are CRI's required conditions; the others are this project's
 * informative ones: false when the runtime cannot enforce that isolation or
 * limit on this host, with a message saying why.
 */
export const RuntimeConditionType = {
  RuntimeReady: 'RuntimeReady',
  NetworkReady: 'NetworkReady',
  /** Pods get their own PID, mount, IPC and UTS namespaces. */
  NamespacesEnforced: 'NamespacesEnforced',
  /** Memory, CPU and pids limits are applied through cgroups. */
  CgroupLimitsEnforced: 'CgroupLimitsEnforced',
  /** Mounts are realised at their container paths. */
  MountsEnforced: 'MountsEnforced',
} as const;

/** A terminal size, in character cells. */
export interface TerminalSize {
  width: number;
  height: number;
}

/**
 * A command running in a container, as `Exec` starts it. The streams are
 * present as the request asked (`stdin`, `stdout`, `stderr`); with a TTY,
 * stderr is merged into stdout and `stderr` is null.
 */
export interface ExecSession {
  /** Whether the command got a terminal (only when asked and the runtime offers one). */
  readonly tty: boolean;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resizes the terminal; ignored without one. */
  resize(size: TerminalSize): void;
  /** Settles with the command's exit code once it ended and its output was read to the end. */
  readonly exitCode: Promise<number>;
  /** Kills the command (SIGKILL) if it still runs, and releases the session. */
  close(): void;
}

export interface RuntimeService {
  version(request: VersionRequest): Promise<VersionResponse>;
  status(request: StatusRequest): Promise<StatusResponse>;

  /** Creates and starts a sandbox; it is ready when this resolves. */
  runPodSandbox(request: RunPodSandboxRequest): Promise<RunPodSandboxResponse>;
  /** Stops every container of the sandbox (forcibly) and releases its resources. Idempotent. */
  stopPodSandbox(request: StopPodSandboxRequest): Promise<StopPodSandboxResponse>;
  /** Removes the sandbox and its containers, stopping them first. Idempotent. */
  removePodSandbox(request: RemovePodSandboxRequest): Promise<RemovePodSandboxResponse>;
  podSandboxStatus(request: PodSandboxStatusRequest): Promise<PodSandboxStatusResponse>;
  listPodSandbox(request: ListPodSandboxRequest): Promise<ListPodSandboxResponse>;

  /** Creates a container in a ready sandbox; it is CONTAINER_CREATED until started. */
  createContainer(request: CreateContainerRequest): Promise<CreateContainerResponse>;
  startContainer(request: StartContainerRequest): Promise<StartContainerResponse>;
  /** SIGTERM, then SIGKILL after `timeout` seconds (at once for 0). Idempotent. */
  stopContainer(request: StopContainerRequest): Promise<StopContainerResponse>;
  /** Removes the container, killing it if it runs. Idempotent. */
  removeContainer(request: RemoveContainerRequest): Promise<RemoveContainerResponse>;
  listContainers(request: ListContainersRequest): Promise<ListContainersResponse>;
  /** State, times, exit code and reason (Completed, Error, OOMKilled) of one container. */
  containerStatus(request: ContainerStatusRequest): Promise<ContainerStatusResponse>;
  /** Reopens the container's log file after the kubelet rotated it. */
  reopenContainerLog(request: ReopenContainerLogRequest): Promise<ReopenContainerLogResponse>;

  /** Runs a command in the container to its end (probes, hooks); `timeout` 0 is unbounded. */
  execSync(request: ExecSyncRequest): Promise<ExecSyncResponse>;
  /**
   * Starts a command in the container with streams attached. The session ends
   * when the command exits, or when `signal` aborts (the command is killed).
   */
  exec(request: ExecRequest, signal?: AbortSignal): Promise<ExecSession>;

  containerStats(request: ContainerStatsRequest): Promise<ContainerStatsResponse>;
  listContainerStats(request: ListContainerStatsRequest): Promise<ListContainerStatsResponse>;
}

export interface ImageService {
  listImages(request: ListImagesRequest): Promise<ListImagesResponse>;
  /** Answers `{ image: undefined }` (not an error) when the image is not present. */
  imageStatus(request: ImageStatusRequest): Promise<ImageStatusResponse>;
  /** Fails with NOT_FOUND when the image does not exist where the runtime looks. */
  pullImage(request: PullImageRequest): Promise<PullImageResponse>;
  /** Idempotent. */
  removeImage(request: RemoveImageRequest): Promise<RemoveImageResponse>;
  imageFsInfo(request: ImageFsInfoRequest): Promise<ImageFsInfoResponse>;
}

/** A container runtime: both CRI services, and a way to let go of it. */
export interface ContainerRuntime extends RuntimeService, ImageService {
  /**
   * Releases the runtime's connections and watchers. Containers keep running:
   * a kubelet that closes its runtime and starts again adopts them.
   */
  close(): Promise<void>;
}
