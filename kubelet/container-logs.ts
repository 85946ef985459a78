/**
 * Where the kubelet's API reads container logs from. The container runtime owns the
 * logs, so it implements this; `fileLogSource` reads the log files a runtime writes
 * on disk, as a Kubernetes kubelet does.
 */

/** One container's log and how much of it to send: GetContainerLogsRequest, checked and with numbers. */
export interface ContainerLogRequest {
  readonly namespace: string;
  readonly podName: string;
  /** Empty: any Pod of that name. */
  readonly podUid: string;
  readonly container: string;
  /** Keep sending new lines as they are written, until the container's instance ends or the signal aborts. */
  readonly follow: boolean;
  /** The previous, terminated instance of the container. */
  readonly previous: boolean;
  /** Only lines written in the last this many seconds. */
  readonly sinceSeconds?: number;
  /** Only the last this many lines. */
  readonly tailLines?: number;
  /** Prefix each line with its RFC 3339 time. */
  readonly timestamps: boolean;
  /** Stop after this many bytes of output. */
  readonly limitBytes?: number;
}

/**
 * A source of container logs.
 *
 * `stream` yields the log as chunks (not aligned to lines) and returns when the log has
 * been sent, or, when following, when the container's instance ends or `signal` aborts. It
 * throws an ApiError (NOT_FOUND for an unknown pod or container) before yielding anything
 * when the log cannot be read. Chunks must not be mutated by the consumer.
 */
export interface ContainerLogSource {
  stream(request: ContainerLogRequest, signal: AbortSignal): AsyncIterable<Buffer>;
}
