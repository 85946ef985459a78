/**
 * PodService.ListPodMetrics: what metrics.k8s.io's PodMetrics list gives `kubectl top
 * pods`, served from the kubelets' stats summaries (there is no metrics-server to run).
 * `list` on `pods/metrics` in the namespace is what it needs (bootstrap `view` and up
 * hold it, as Kubernetes aggregates metrics.k8s.io reads into `view`). The selected
 * Pods' nodes are asked once each, at the same time; a node that cannot answer is named
 * in `unavailableNodes` rather than failing the whole list, as metrics-server leaves
 * out the nodes it could not scrape.
 */

import { eachLimited } from '../../../sdk/each-limited.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  ListPodMetricsRequest,
  ListPodMetricsResponse,
  PodMetrics,
} from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { PodStats, Summary } from '../../../sdk/gen/wheelhouse/kubelet/v1/stats.js';
import { ListOptions, ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { Quantity } from '../../../sdk/quantity.js';
import { asyncUnary } from '../../../sdk/server/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { KindServiceOptions } from '../../services/kind-service.js';
import type { Subresources } from '../kind-definition.js';
import { nodeSummary } from '../node/stats.js';

/** Nodes asked at once; more wait their turn. */
const parallelNodes = 32;

export const podMetricsMethods: Subresources<Pod> = ({ registry, gate, options }) => ({
  listPodMetrics: asyncUnary<ListPodMetricsRequest, ListPodMetricsResponse>(async (req, call) => {
    const namespace = req.namespace ?? '';
    await gate.admit(call.metadata, {
      verb: 'list',
      info: registry.info,
      subresource: 'metrics',
      namespace,
      name: '',
    });
    return listPodMetrics(registry, namespace, req.options ?? {}, options);
  }),
});

/**
 * The metrics of the running Pods of `namespace` ('' for all) that the selectors pick, from
 * their nodes' stats summaries; nodes that could not answer are named in `unavailableNodes`.
 */
export async function listPodMetrics(
  registry: Pick<GenericRegistry<Pod>, 'list'>,
  namespace: string,
  selectors: { labelSelector?: string; fieldSelector?: string },
  options: Pick<KindServiceOptions, 'registryOf' | 'nodeStats'>,
): Promise<ListPodMetricsResponse> {
  const { items } = await registry.list(
    namespace,
    ListOptions.fromPartial({
      labelSelector: selectors.labelSelector ?? '',
      fieldSelector: selectors.fieldSelector ?? '',
    }),
  );
  const byNode = new Map<string, Pod[]>();
  for (const pod of items) {
    const node = pod.spec?.nodeName ?? '';
    if (node === '' || pod.status?.phase !== 'Running') continue;
    byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  const nodes = options.registryOf?.('Node') as GenericRegistry<KindObject> | undefined;
  const unavailableNodes: Record<string, string> = {};
  const results: PodMetrics[] = [];
  await eachLimited([...byNode], parallelNodes, async ([nodeName, pods]) => {
    let summary: Summary;
    try {
      if (!nodes) throw new Error('this apiserver serves no Nodes');
      summary = await nodeSummary((await nodes.get('', nodeName)) as Node, options);
    } catch (err) {
      unavailableNodes[nodeName] = err instanceof Error ? err.message : String(err);
      return;
    }
    const reported = new Map((summary.pods ?? []).map((p) => [p.podRef?.uid ?? '', p]));
    for (const pod of pods) {
      const stats = reported.get(pod.metadata?.uid ?? '');
      if (stats) results.push(podMetricsOf(pod, stats));
    }
  });
  results.sort(
    (a, b) =>
      (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') ||
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  return { items: results, unavailableNodes };
}

/** PodMetrics as metrics.k8s.io shapes it: CPU as a quantity of cores, memory as the working set. */
export function podMetricsOf(pod: Pod, stats: PodStats): PodMetrics {
  const meta = pod.metadata;
  return {
    metadata: ObjectMeta.fromPartial({
      name: meta?.name ?? '',
      namespace: meta?.namespace ?? '',
      uid: meta?.uid ?? '',
      labels: { ...(meta?.labels ?? {}) },
      // metrics.k8s.io stamps the time the metrics were read.
      creationTimestamp: stats.cpu?.time ?? new Date(),
    }),
    ...(stats.cpu?.time ? { timestamp: stats.cpu.time } : {}),
    ...(stats.cpu?.window ? { window: stats.cpu.window } : {}),
    containers: stats.containers.map((c) => ({
      name: c.name,
      usage: {
        cpu: Quantity.fromNanos(BigInt(c.cpu?.usageNanoCores ?? '0')).toString(),
        memory: Quantity.fromValue(BigInt(c.memory?.workingSetBytes ?? '0'), 'BinarySI').toString(),
      },
    })),
  };
}
