/**
 * metrics.k8s.io/v1beta1 `nodes` and `pods` (NodeMetrics, PodMetrics), what `kubectl top`
 * reads, served from the kubelets' stats summaries as the gRPC NodeService.GetNodeStats
 * and PodService.ListPodMetrics are: there is no metrics-server to run. CPU is written in
 * cores (`n` or `m`), memory as the working set in Ki, as metrics-server writes them.
 * Reading them takes what the gRPC calls take: `get nodes/stats`, `list pods/metrics`.
 */

import { eachLimited } from '../../../sdk/each-limited.js';
import { ApiError } from '../../../sdk/errors.js';
import type { Duration } from '../../../sdk/gen/google/protobuf/duration.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodMetrics } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { ListOptions } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { kinds } from '../../../sdk/kinds.js';
import type { JsonObject } from '../../../sdk/manifest/index.js';
import { Quantity } from '../../../sdk/quantity.js';
import { nodeSummary } from '../../kinds/node/stats.js';
import { listPodMetrics } from '../../kinds/pod/metrics.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { RestRequest, RestServices, RestVirtualResource } from '../types.js';

const metricsVersion = 'metrics.k8s.io/v1beta1';
const podInfo = kinds.find((k) => k.kind === 'Pod')!;
const nodeInfo = kinds.find((k) => k.kind === 'Node')!;
/** Nodes asked at once, as ListPodMetrics does. */
const parallelNodes = 32;

function time(t: Date | undefined): string | null {
  return t ? t.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

/** A window as Go's Duration prints it: `10s`, `10.5s`. */
function window(d: Duration | undefined): string {
  if (!d) return '0s';
  return `${Number(d.seconds) + d.nanos / 1e9}s`;
}

/** CPU in billionths of a core as a quantity of cores: `250m`, `1234567n`. */
export function cpuQuantity(nanoCores: string | number | bigint | undefined): string {
  return Quantity.fromNanos(BigInt(nanoCores ?? 0)).toString();
}

/** Memory in bytes as metrics-server writes it: whole Ki. */
export function memoryQuantity(bytes: string | number | bigint | undefined): string {
  return `${BigInt(bytes ?? 0) / 1024n}Ki`;
}

function listOf(kind: string, items: JsonObject[]): JsonObject {
  return { kind, apiVersion: metricsVersion, metadata: {}, items };
}

function podMetricsJson(m: PodMetrics): JsonObject {
  const meta = m.metadata;
  return {
    metadata: {
      name: meta?.name ?? '',
      namespace: meta?.namespace ?? '',
      creationTimestamp: time(meta?.creationTimestamp),
      ...(meta?.labels && Object.keys(meta.labels).length > 0 ? { labels: { ...meta.labels } } : {}),
    },
    timestamp: time(m.timestamp),
    window: window(m.window),
    containers: m.containers.map((c) => ({
      name: c.name,
      usage: {
        cpu: c.usage.cpu ?? '0',
        memory: memoryQuantity(Quantity.parse(c.usage.memory ?? '0').value()),
      },
    })),
  };
}

function selectorsOf(req: RestRequest): { labelSelector: string; fieldSelector: string } {
  const q = req.url.searchParams;
  return { labelSelector: q.get('labelSelector') ?? '', fieldSelector: q.get('fieldSelector') ?? '' };
}

const podMetricsResource: RestVirtualResource = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  resource: 'pods',
  kind: 'PodMetrics',
  namespaced: true,
  verbs: ['get', 'list'],
  async handler(req, _res, services) {
    if (req.method !== 'GET')
      throw ApiError.unimplemented(`${req.method} is not supported on pods.metrics.k8s.io`);
    await services.authorize(req, {
      verb: req.name ? 'get' : 'list',
      info: podInfo,
      subresource: 'metrics',
      namespace: req.namespace,
      name: req.name,
    });
    const selectors = selectorsOf(req);
    if (req.name) {
      selectors.fieldSelector = [selectors.fieldSelector, `metadata.name=${req.name}`]
        .filter((s) => s)
        .join(',');
    }
    const pods = services.registries.get('Pod') as unknown as GenericRegistry<Pod>;
    const { items } = await listPodMetrics(pods, req.namespace, selectors, {
      registryOf: (kind) => services.registries.get(kind),
      ...(services.nodeStats ? { nodeStats: services.nodeStats } : {}),
    });
    if (req.name) {
      const found = items[0];
      if (!found) throw ApiError.notFound(`podmetrics.metrics.k8s.io "${req.name}" not found`);
      return { body: { kind: 'PodMetrics', apiVersion: metricsVersion, ...podMetricsJson(found) } };
    }
    return { body: listOf('PodMetricsList', items.map(podMetricsJson)) };
  },
};

async function nodeMetrics(nodes: readonly Node[], services: RestServices): Promise<JsonObject[]> {
  const results: JsonObject[] = [];
  const options = {
    registryOf: (kind: string) => services.registries.get(kind),
    ...(services.nodeStats ? { nodeStats: services.nodeStats } : {}),
  };
  // A node whose kubelet cannot answer is left out, as metrics-server leaves out what it could not scrape.
  await eachLimited(nodes, parallelNodes, async (node) => {
    let stats: Awaited<ReturnType<typeof nodeSummary>>['node'];
    try {
      stats = (await nodeSummary(node, options)).node;
    } catch {
      return;
    }
    if (!stats?.cpu || !stats.memory) return;
    results.push({
      metadata: {
        name: node.metadata?.name ?? '',
        creationTimestamp: time(stats.cpu.time),
        ...(node.metadata?.labels && Object.keys(node.metadata.labels).length > 0
          ? { labels: { ...node.metadata.labels } }
          : {}),
      },
      timestamp: time(stats.cpu.time),
      window: window(stats.cpu.window),
      usage: {
        cpu: cpuQuantity(stats.cpu.usageNanoCores),
        memory: memoryQuantity(stats.memory.workingSetBytes),
      },
    });
  });
  return results.sort((a, b) =>
    String((a.metadata as JsonObject).name).localeCompare(String((b.metadata as JsonObject).name)),
  );
}

const nodeMetricsResource: RestVirtualResource = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  resource: 'nodes',
  kind: 'NodeMetrics',
  namespaced: false,
  verbs: ['get', 'list'],
  async handler(req, _res, services) {
    if (req.method !== 'GET')
      throw ApiError.unimplemented(`${req.method} is not supported on nodes.metrics.k8s.io`);
    await services.authorize(req, {
      verb: 'get',
      info: nodeInfo,
      subresource: 'stats',
      namespace: '',
      name: req.name,
    });
    const registry = services.registries.get('Node') as unknown as GenericRegistry<Node>;
    if (req.name) {
      const [found] = await nodeMetrics([await registry.get('', req.name)], services);
      if (!found) throw ApiError.notFound(`nodemetrics.metrics.k8s.io "${req.name}" not found`);
      return { body: { kind: 'NodeMetrics', apiVersion: metricsVersion, ...found } };
    }
    const { items } = await registry.list('', ListOptions.fromPartial(selectorsOf(req)));
    return { body: listOf('NodeMetricsList', await nodeMetrics(items, services)) };
  },
};

export const metricsResources: readonly RestVirtualResource[] = [nodeMetricsResource, podMetricsResource];
