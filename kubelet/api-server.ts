/**
 * The kubelet's own gRPC server: `wheelhouse.kubelet.v1.KubeletService`, which the
 * apiserver calls to stream container logs (PodService.GetPodLogs) and to run commands
 * in containers (PodService.ExecPod) and to read the node's stats (NodeService.GetNodeStats,
 * PodService.ListPodMetrics), and operators use for the kubelet's status. Behind the fence of authenticate.ts: only the apiserver's
 * client certificate gets in.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { ApiError } from '../sdk/errors.js';
import {
  type GetContainerLogsRequest,
  type GetContainerLogsResponse,
  type GetStatsSummaryResponse,
  type GetStatusResponse,
  KubeletServiceService,
} from '../sdk/gen/wheelhouse/kubelet/v1/kubelet_service.js';
import type { Summary } from '../sdk/gen/wheelhouse/kubelet/v1/stats.js';
import type { Logger } from '../sdk/logger.js';
import { ClientCertificateVerifier } from '../sdk/pki/index.js';
import { asyncServerStream, asyncUnary, createGrpcServer } from '../sdk/server/index.js';
import { APISERVER_KUBELET_CLIENT, kubeletAuthenticator } from './authenticate.js';
import type { ContainerLogRequest, ContainerLogSource } from './container-logs.js';
import { type ExecRuntime, execHandler } from './exec-server.js';

export const kubeletServiceName = 'wheelhouse.kubelet.v1.KubeletService';

/** What the kubelet reports of itself beyond its name; the runtime fills it in once there is one. */
export interface KubeletState {
  runtime: string;
  runningPods: number;
  ready: boolean;
}

export interface KubeletApiServerOptions {
  readonly nodeName: string;
  /** The kubelet's serving certificate and the CA that client certificates must chain to (the cluster CA). */
  readonly tls: { cert: Buffer; key: Buffer; ca: Buffer };
  /** Client certificate names let in; the apiserver's alone by default. */
  readonly allowedCommonNames?: readonly string[];
  readonly logs: ContainerLogSource;
  /** The runtime that Exec runs commands through; without it Exec answers UNIMPLEMENTED. */
  readonly exec?: ExecRuntime;
  /** The stats summary from the kubelet's cache (stats/stats-provider.ts); without it GetStatsSummary answers UNIMPLEMENTED. */
  readonly stats?: () => Summary;
  /** The runtime's view for GetStatus; none yet by default. */
  readonly state?: () => KubeletState;
  readonly logger: Logger;
  /** `host:port`; port 0 picks a free one. */
  readonly address: string;
  readonly metrics?: Registry;
}

export interface KubeletApiServer {
  readonly port: number;
  stop(): Promise<void>;
}

const version = `v${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;

export async function startKubeletApiServer(options: KubeletApiServerOptions): Promise<KubeletApiServer> {
  const { logger, tls } = options;
  const startedAt = new Date();
  const server = createGrpcServer({
    component: 'kubelet',
    logger,
    // Requested, not required: a caller without a certificate is told UNAUTHENTICATED by the fence.
    tls: { ...tls, clientCerts: 'request' },
    ...(options.metrics ? { registry: options.metrics } : {}),
    authenticate: kubeletAuthenticator(
      options.allowedCommonNames ?? [APISERVER_KUBELET_CLIENT],
      new ClientCertificateVerifier(tls.ca.toString('utf8')),
    ),
  });
  server.addService(kubeletServiceName, KubeletServiceService, {
    getContainerLogs: asyncServerStream<GetContainerLogsRequest, GetContainerLogsResponse>(
      async (req, call, signal) => {
        const request = containerLogRequest(req);
        logger.debug(
          { pod: `${request.namespace}/${request.podName}`, container: request.container },
          'logs',
        );
        await sendLogs(options.logs.stream(request, signal), call, signal);
      },
    ),
    exec: execHandler(options.exec, logger),
    getStatsSummary: asyncUnary(async (): Promise<GetStatsSummaryResponse> => {
      if (!options.stats)
        throw ApiError.unimplemented('this kubelet keeps no stats: it runs no container runtime');
      return { summary: options.stats() };
    }),
    getStatus: asyncUnary(async (): Promise<GetStatusResponse> => {
      const state = options.state?.() ?? { runtime: 'none', runningPods: 0, ready: false };
      return { nodeName: options.nodeName, kubeletVersion: version, startedAt, ...state };
    }),
  });
  const port = await server.listen(options.address);
  logger.info({ node: options.nodeName, port }, 'kubelet API serving');
  return { port, stop: () => server.shutdown(1_000) };
}

/** Writes the chunks as they come, waiting for the client to read when its buffer is full. */
async function sendLogs(
  chunks: AsyncIterable<Buffer>,
  call: ServerWritableStream<GetContainerLogsRequest, GetContainerLogsResponse>,
  signal: AbortSignal,
): Promise<void> {
  for await (const data of chunks) {
    if (signal.aborted) return;
    if (!call.write({ data })) {
      await Promise.race([once(call, 'drain'), once(signal, 'abort')]);
    }
  }
}

/** The request with its numbers parsed and checked, as Kubernetes checks PodLogOptions. */
export function containerLogRequest(req: GetContainerLogsRequest): ContainerLogRequest {
  const where = `pod ${req.namespace}/${req.podName}`;
  if (req.namespace === '' || req.podName === '') {
    throw ApiError.invalid('namespace and pod_name are required', [
      ...(req.namespace === ''
        ? [{ field: 'namespace', message: 'Required value', reason: 'FieldValueRequired' }]
        : []),
      ...(req.podName === ''
        ? [{ field: 'podName', message: 'Required value', reason: 'FieldValueRequired' }]
        : []),
    ]);
  }
  if (req.container === '') {
    throw ApiError.invalid(`a container name is required for ${where}`, [
      { field: 'container', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
  }
  const sinceSeconds = count(req.sinceSeconds, 'sinceSeconds', 1);
  const tailLines = count(req.tailLines, 'tailLines', 0);
  const limitBytes = count(req.limitBytes, 'limitBytes', 1);
  return {
    namespace: req.namespace,
    podName: req.podName,
    podUid: req.podUid,
    container: req.container,
    follow: req.follow,
    previous: req.previous,
    timestamps: req.timestamps,
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

/** An optional int64 (a decimal string on the wire) that must be at least `min`. */
function count(value: string | undefined, field: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    throw ApiError.invalid(`${field} must be an integer of at least ${min}, not ${value}`, [
      {
        field,
        message: `Invalid value: ${value}: must be greater than or equal to ${min}`,
        reason: 'FieldValueInvalid',
      },
    ]);
  }
  return n;
}
