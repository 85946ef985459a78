/**
 * The stats summary of a node's kubelet (KubeletService.GetStatsSummary), over the
 * connection logs and exec use, with the apiserver's kubelet client certificate. The
 * caller is authorized already (`get nodes/stats`, or `list pods/metrics`).
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { Summary } from '../../sdk/gen/wheelhouse/kubelet/v1/stats.js';
import type { NodeStatsSource } from '../kinds/node/stats.js';
import type { PodLogs } from './pod-logs.js';

/** A kubelet answers from its cache at once; one that takes longer than this is stuck. */
const deadlineMs = 10_000;

export function createNodeStats(kubelets: Pick<PodLogs, 'withNodeKubelet'>): NodeStatsSource {
  return (node) =>
    kubelets.withNodeKubelet(
      node,
      (client, toError) =>
        new Promise<Summary>((resolve, reject) => {
          client.getStatsSummary(
            {},
            new Metadata(),
            { deadline: Date.now() + deadlineMs },
            (err: ServiceError | null, res) => {
              if (err) reject(toError(err));
              else resolve(res.summary ?? { pods: [] });
            },
          );
        }),
    );
}
