/**
 * PodService.GetPodLogs, the apiserver's end: the caller is authorized already (the
 * `pods/log` subresource); here the Pod's node is found, its kubelet called with the
 * apiserver's kubelet client certificate (kubelets let in no one else), and the log
 * streamed back chunk by chunk. Connections are kept per node and closed when the node
 * is deleted, changes address, or has not been used for a while.
 */
import { isIP } from 'node:net';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { sslCredentials } from '../../sdk/credentials.js';
import { ApiError, Code, fromServiceError } from '../../sdk/errors.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { GetPodLogsRequest } from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import {
  GetContainerLogsRequest,
  type GetContainerLogsResponse,
  KubeletServiceClient,
} from '../../sdk/gen/wheelhouse/kubelet/v1/kubelet_service.js';
import { DeletedFinalStateUnknown, type EventHandler } from '../../sdk/informers/types.js';
import type { Logger } from '../../sdk/logger.js';
import type { PodLogSource } from '../kinds/pod/logs.js';

/** The apiserver's identity towards kubelets, and the CA their serving certificates chain to. */
export interface KubeletClientTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

export interface PodLogsOptions {
  readonly tls: KubeletClientTls;
  /** The Node object of that name, or undefined when there is none. */
  readonly getNode: (name: string) => Promise<Node | undefined>;
  /** An informer of Nodes (the apiserver's): a deleted node's connection is closed at once. */
  readonly nodes?: { addEventHandler(handler: EventHandler<Node>): unknown };
  /** Which of a Node's addresses to dial, in order of preference. */
  readonly preferredAddressTypes?: readonly string[];
  /** A connection not used for this long is closed; one minute by default. */
  readonly idleMs?: number;
  readonly logger: Logger;
}

export interface PodLogs {
  readonly source: PodLogSource;
  /**
   * Calls `fn` with a client of the kubelet of the Pod's node (the connection logs use),
   * held until `fn` settles; `toError` turns the kubelet's errors into the caller's.
   * For the other kubelet calls, such as exec.
   */
  withKubelet<T>(
    pod: Pod,
    fn: (client: KubeletServiceClient, toError: (err: ServiceError) => ApiError) => Promise<T>,
  ): Promise<T>;
  /** As withKubelet, for the kubelet of a Node (node stats). */
  withNodeKubelet<T>(
    node: Node,
    fn: (client: KubeletServiceClient, toError: (err: ServiceError) => ApiError) => Promise<T>,
  ): Promise<T>;
  /** Open kubelet connections, by node name (for tests and metrics). */
  connectedNodes(): string[];
  close(): void;
}

/** kube-apiserver's --kubelet-preferred-address-types, with the address most likely to be routable first. */
export const defaultPreferredAddressTypes = [
  'InternalIP',
  'Hostname',
  'InternalDNS',
  'ExternalIP',
  'ExternalDNS',
] as const;

interface Connection {
  readonly address: string;
  readonly client: KubeletServiceClient;
  active: number;
  idleTimer?: NodeJS.Timeout;
  /** Replaced or its node deleted: closed as soon as no stream uses it. */
  retired: boolean;
}

export function createPodLogs(options: PodLogsOptions): PodLogs {
  const { logger } = options;
  const idleMs = options.idleMs ?? 60_000;
  const preferred = options.preferredAddressTypes ?? defaultPreferredAddressTypes;
  const channelCredentials = sslCredentials(options.tls.ca, options.tls.key, options.tls.cert);
  const connections = new Map<string, Connection>();

  const release = (node: string, conn: Connection) => {
    conn.active -= 1;
    if (conn.active > 0) return;
    if (conn.retired) {
      conn.client.close();
      return;
    }
    conn.idleTimer = setTimeout(() => {
      if (connections.get(node) === conn) connections.delete(node);
      conn.client.close();
      logger.debug({ node }, 'closed idle kubelet connection');
    }, idleMs);
    conn.idleTimer.unref();
  };

  const retire = (node: string) => {
    const conn = connections.get(node);
    if (!conn) return;
    connections.delete(node);
    conn.retired = true;
    clearTimeout(conn.idleTimer);
    if (conn.active === 0) conn.client.close();
  };

  /** The connection to the node's kubelet at `address`, counted as in use until released. */
  const acquire = (node: string, address: string): Connection => {
    let conn = connections.get(node);
    if (conn && conn.address !== address) {
      logger.info({ node, from: conn.address, to: address }, 'kubelet address changed');
      retire(node);
      conn = undefined;
    }
    if (!conn) {
      conn = {
        address,
        client: new KubeletServiceClient(address, channelCredentials, {
          'grpc.keepalive_time_ms': 30_000,
          'grpc.keepalive_timeout_ms': 10_000,
          'grpc.max_receive_message_length': 16 * 1024 * 1024,
        }),
        active: 0,
        retired: false,
      };
      connections.set(node, conn);
    }
    clearTimeout(conn.idleTimer);
    conn.active += 1;
    return conn;
  };

  options.nodes?.addEventHandler({
    onDelete: (node) =>
      retire((node instanceof DeletedFinalStateUnknown ? node.object : node).metadata?.name ?? ''),
  });

  const source: PodLogSource = async (pod, rawRequest, call, signal) => {
    const request = rawRequest as Partial<GetPodLogsRequest>;
    const nodeName = pod.spec?.nodeName ?? '';
    const node = await options.getNode(nodeName);
    if (!node) {
      throw ApiError.unavailable(
        `node "${nodeName}" of pod ${podName(pod)} is not registered: there is no kubelet to ask for its logs`,
      );
    }
    const address = kubeletAddress(node, preferred);
    const container = resolveContainer(pod, request.container ?? '');
    const conn = acquire(nodeName, address);
    try {
      const stream = conn.client.getContainerLogs(
        GetContainerLogsRequest.fromPartial({
          namespace: pod.metadata?.namespace ?? '',
          podName: pod.metadata?.name ?? '',
          podUid: pod.metadata?.uid ?? '',
          container,
          follow: request.follow ?? false,
          previous: request.previous ?? false,
          timestamps: request.timestamps ?? false,
          sinceSeconds: request.sinceSeconds,
          tailLines: request.tailLines,
          limitBytes: request.limitBytes,
        }),
      );
      await relay(stream, call, signal, (err) => kubeletError(err, nodeName, address));
    } finally {
      release(nodeName, conn);
    }
  };

  const withKubelet: PodLogs['withKubelet'] = async (pod, fn) => {
    const nodeName = pod.spec?.nodeName ?? '';
    const node = await options.getNode(nodeName);
    if (!node) {
      throw ApiError.unavailable(
        `node "${nodeName}" of pod ${podName(pod)} is not registered: there is no kubelet to ask`,
      );
    }
    return withNodeKubelet(node, fn);
  };

  const withNodeKubelet: PodLogs['withNodeKubelet'] = async <T>(
    node: Node,
    fn: (client: KubeletServiceClient, toError: (err: ServiceError) => ApiError) => Promise<T>,
  ): Promise<T> => {
    const nodeName = node.metadata?.name ?? '';
    const address = kubeletAddress(node, preferred);
    const conn = acquire(nodeName, address);
    try {
      return await fn(conn.client, (err) => kubeletError(err, nodeName, address));
    } finally {
      release(nodeName, conn);
    }
  };

  return {
    source,
    withKubelet,
    withNodeKubelet,
    connectedNodes: () => [...connections.keys()],
    close() {
      for (const node of [...connections.keys()]) retire(node);
    },
  };
}

/**
 * Copies the kubelet's chunks to the caller, reading from the kubelet only as fast as
 * the caller reads; the caller going away cancels the kubelet's stream.
 */
async function relay(
  stream: ClientReadableStream<GetContainerLogsResponse>,
  call: { write(chunk: unknown): boolean; once(event: 'drain', listener: () => void): unknown },
  signal: AbortSignal,
  toError: (err: ServiceError) => ApiError,
): Promise<void> {
  const cancel = () => stream.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  if (signal.aborted) cancel();
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (message: GetContainerLogsResponse) => {
        if (signal.aborted) return;
        if (!call.write({ data: message.data })) {
          stream.pause();
          call.once('drain', () => stream.resume());
        }
      });
      stream.on('error', (err: ServiceError) => {
        if (signal.aborted || err.code === Code.CANCELLED) resolve();
        else reject(toError(err));
      });
      stream.on('end', () => resolve());
    });
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/** The container to read: the one named, or the Pod's only (or default) container. */
export function resolveContainer(pod: Pod, requested: string): string {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const initContainers = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const choices = () =>
    `choose one of: [${containers.join(' ')}]${initContainers.length > 0 ? ` or one of the init containers: [${initContainers.join(' ')}]` : ''}`;
  if (requested === '') {
    const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
    if (annotated && containers.includes(annotated)) return annotated;
    if (containers.length === 1) return containers[0]!;
    throw ApiError.invalid(`a container name must be specified for pod ${podName(pod)}, ${choices()}`, [
      { field: 'container', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
  }
  if (containers.includes(requested) || initContainers.includes(requested)) return requested;
  throw ApiError.notFound(`container "${requested}" is not in pod ${podName(pod)}: ${choices()}`);
}

/** `host:port` of the node's kubelet, from the Node's addresses and kubelet endpoint. */
export function kubeletAddress(node: Node, preferred: readonly string[]): string {
  const name = node.metadata?.name ?? '';
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.port ?? 0;
  if ((node.status?.nodeInfo?.containerRuntimeVersion ?? '').startsWith('simulated://')) {
    throw ApiError.failedPrecondition(
      `node "${name}" is simulated (wheelhouse kubelet --simulate): its pods run no containers, so they have no logs and no exec; use a node with a container runtime`,
    );
  }
  if (port <= 0) {
    throw ApiError.unavailable(
      `node "${name}" has no kubelet endpoint (status.daemonEndpoints.kubeletEndpoint.Port is not set): its kubelet has not registered its API`,
    );
  }
  const addresses = node.status?.addresses ?? [];
  for (const type of preferred) {
    const found = addresses.find((a) => a.type === type && a.address !== '');
    if (found) return isIP(found.address) === 6 ? `[${found.address}]:${port}` : `${found.address}:${port}`;
  }
  throw ApiError.unavailable(
    `node "${name}" has no address of the types ${preferred.join(', ')} in status.addresses: its kubelet cannot be reached`,
  );
}

function kubeletError(err: ServiceError, node: string, address: string): ApiError {
  if (err.code === Code.UNAVAILABLE || err.code === Code.DEADLINE_EXCEEDED) {
    return ApiError.unavailable(`cannot reach the kubelet of node "${node}" at ${address}: ${err.details}`);
  }
  if (err.code === Code.UNAUTHENTICATED || err.code === Code.PERMISSION_DENIED) {
    // The caller is authorized; the apiserver's own credentials are wrong. Not the caller's fault.
    return ApiError.unavailable(
      `the kubelet of node "${node}" at ${address} refused the apiserver (${err.details}): check --kubelet-client-certificate and the kubelet's client CA`,
    );
  }
  return fromServiceError(err);
}

function podName(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
