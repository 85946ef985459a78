/**
 * PodService.GetPodLogs: the `pods/log` subresource. The Pod must be on a node; its
 * log comes from that node's kubelet through the log source the apiserver was given
 * (services/pod-logs.ts).
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import { ApiError } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { asyncServerStream } from '../../../sdk/server/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { Subresources } from '../kind-definition.js';

/**
 * Where a log goes, chunk by chunk: the gRPC call, or the REST API's response. A write
 * that returns false asks for no more until 'drain'.
 */
export interface LogSink {
  write(chunk: { data: Buffer }): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** Streams the log of a Pod's container from the kubelet of the Pod's node. */
export type PodLogSource = (
  pod: Pod,
  request: Record<string, unknown>,
  call: LogSink,
  signal: AbortSignal,
) => Promise<void>;

interface LogRequest extends Record<string, unknown> {
  namespace?: string;
  name: string;
}

export const podLogMethods: Subresources<Pod> = ({ registry, gate, options }) => ({
  getPodLogs: asyncServerStream<LogRequest, unknown>(async (req, call, signal) => {
    const namespace = req.namespace ?? '';
    await gate.admit(call.metadata, {
      verb: 'get',
      info: registry.info,
      subresource: 'log',
      namespace,
      name: req.name,
    });
    const pod = await podWithLogs(registry, namespace, req.name);
    const node = pod.spec?.nodeName ?? '';
    if (!options.podLogs) {
      throw ApiError.unavailable(
        `no kubelet connection for node "${node}": this apiserver was started without --kubelet-client-certificate`,
      );
    }
    await options.podLogs(pod, req, call as ServerWritableStream<unknown, unknown>, signal);
  }),
});

/** The Pod whose log is asked for, once it is on a node (before, it has none). */
export async function podWithLogs(
  pods: Pick<GenericRegistry<Pod>, 'get'>,
  namespace: string,
  name: string,
): Promise<Pod> {
  const pod = await pods.get(namespace, name);
  if ((pod.spec?.nodeName ?? '') === '') {
    throw ApiError.failedPrecondition(
      `pod ${name} does not have a host assigned yet; logs exist once it is scheduled and running`,
    );
  }
  return pod;
}
