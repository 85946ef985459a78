/**
 * `whctl top nodes|pods`: the CPU and memory nodes and pods use, as `kubectl top`. The
 * figures come from the kubelets' stats caches through the apiserver — nodes through
 * NodeService.GetNodeStats (`get nodes/stats`), pods through PodService.ListPodMetrics
 * (`list pods/metrics`) — so they are a rate over the kubelets' last sampling interval,
 * and a pod shows up one interval after it starts. Memory is the working set.
 */
import { ApiError, Code } from '../../../sdk/errors.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { PodMetrics } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { Summary } from '../../../sdk/gen/wheelhouse/kubelet/v1/stats.js';
import { ListOptions } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { Quantity } from '../../../sdk/quantity.js';
import type { Command } from '../command.js';
import type { Context } from '../context.js';
import { commonFlags, parseFlags } from '../flags.js';
import { DEFAULT_NAMESPACE } from '../namespaces.js';
import { renderTable } from '../printers/table.js';
import { resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';

const help = `Display resource (CPU/memory) usage of nodes or pods.

The figures are what the nodes' kubelets measured over their last sampling
interval (10 s by default): a pod appears one interval after it starts.

Usage:
  whctl top nodes [NAME] [-l SELECTOR] [--sort-by cpu|memory] [--no-headers]
  whctl top pods [NAME] [-n NS | -A] [-l SELECTOR] [--containers] [--sort-by cpu|memory] [--no-headers]

Examples:
  whctl top nodes                       # every node, CPU and memory against allocatable
  whctl top pods -A --sort-by cpu       # the busiest pods first
  whctl top pods web --containers       # one pod, per container

Flags:
  -l, --selector SEL       only nodes or pods matching this label selector
      --sort-by cpu|memory largest first
      --containers         (pods) one row per container
      --no-headers         print no header line
  -A, --all-namespaces     (pods) every namespace
  -n, --namespace NS       (pods) namespace (default "default")
      --config FILE        client config
`;

const flags = {
  ...commonFlags,
  selector: { type: 'string', short: 'l' },
  'sort-by': { type: 'string' },
  containers: { type: 'boolean' },
  'no-headers': { type: 'boolean' },
  'all-namespaces': { type: 'boolean', short: 'A' },
} as const;

type SortBy = 'cpu' | 'memory' | undefined;

const mebibyte = 1024n * 1024n;
/** Nodes asked at once. */
const parallelNodes = 16;

export const topCommand: Command = {
  summary: 'Display resource (CPU/memory) usage',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const [what, name, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`expected at most one name, got ${[name, ...rest].join(' ')}`);
    const sortBy = sortByOf(values['sort-by']);
    if (name !== undefined && values.selector !== undefined)
      throw new UsageError('give either a name or --selector, not both');
    const options = {
      name,
      selector: values.selector ?? '',
      sortBy,
      noHeaders: values['no-headers'] ?? false,
    };
    switch (what) {
      case 'node':
      case 'nodes':
      case 'no':
        if (values.containers) throw new UsageError('--containers is for top pods');
        if (values['all-namespaces']) throw new UsageError('nodes are not in namespaces: -A is for top pods');
        return topNodes(ctx, values.config, options);
      case 'pod':
      case 'pods':
      case 'po':
        return topPods(ctx, values.config, {
          ...options,
          namespace: values['all-namespaces'] ? '' : (values.namespace ?? DEFAULT_NAMESPACE),
          containers: values.containers ?? false,
        });
      case undefined:
        throw new UsageError('say what to show: whctl top nodes, or whctl top pods');
      default:
        throw new UsageError(`whctl top shows nodes or pods, not "${what}"`);
    }
  },
};

interface TopOptions {
  readonly name: string | undefined;
  readonly selector: string;
  readonly sortBy: SortBy;
  readonly noHeaders: boolean;
}

function sortByOf(value: string | undefined): SortBy {
  if (value === undefined || value === 'cpu' || value === 'memory') return value;
  throw new UsageError(`--sort-by must be cpu or memory, not "${value}"`);
}

/** One node's row: its usage, or undefined when its kubelet did not answer. */
export interface NodeUsage {
  readonly name: string;
  readonly usage?: { readonly nanoCores: bigint; readonly memoryBytes: bigint };
  /** From status.allocatable; zero when unknown. */
  readonly allocatableNanoCores: bigint;
  readonly allocatableMemoryBytes: bigint;
}

async function topNodes(ctx: Context, config: string | undefined, opts: TopOptions): Promise<number> {
  const client = ctx.client(config);
  const info = resolveKind('nodes');
  const nodes =
    opts.name !== undefined
      ? [(await client.get(info, '', opts.name)) as Node]
      : ((await client.list(info, '', { labelSelector: opts.selector })).items as Node[]);
  if (nodes.length === 0) {
    ctx.io.writeError('No resources found\n');
    return 0;
  }
  const usages: NodeUsage[] = new Array(nodes.length);
  let next = 0;
  const worker = async () => {
    while (next < nodes.length) {
      const i = next++;
      const node = nodes[i] as Node;
      const nodeName = node.metadata?.name ?? '';
      let summary: Summary | undefined;
      try {
        summary = (await client.call(info, 'getNodeStats', { name: nodeName })).summary as
          | Summary
          | undefined;
      } catch (err) {
        // Not allowed is the caller's answer for every node; say it once, as it is.
        if (err instanceof ApiError && (err.code === Code.PERMISSION_DENIED || opts.name !== undefined))
          throw err;
        ctx.io.writeError(`Warning: no metrics from node "${nodeName}": ${messageOf(err)}\n`);
      }
      usages[i] = nodeUsageOf(node, summary);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelNodes, nodes.length) }, worker));
  ctx.io.write(renderTable(nodeRows(usages, opts)));
  return 0;
}

export function nodeUsageOf(node: Node, summary: Summary | undefined): NodeUsage {
  const cpu = summary?.node?.cpu?.usageNanoCores;
  const memory = summary?.node?.memory?.workingSetBytes;
  return {
    name: node.metadata?.name ?? '',
    ...(cpu !== undefined && memory !== undefined
      ? { usage: { nanoCores: BigInt(cpu), memoryBytes: BigInt(memory) } }
      : {}),
    allocatableNanoCores: quantity(node.status?.allocatable?.cpu)?.nanos ?? 0n,
    allocatableMemoryBytes: quantity(node.status?.allocatable?.memory)?.value() ?? 0n,
  };
}

/** kubectl's columns; a node without figures shows `<unknown>` and sorts last. */
export function nodeRows(
  usages: readonly NodeUsage[],
  opts: Pick<TopOptions, 'sortBy' | 'noHeaders'>,
): string[][] {
  const key = (u: NodeUsage): bigint =>
    u.usage === undefined ? -1n : opts.sortBy === 'cpu' ? u.usage.nanoCores : u.usage.memoryBytes;
  const sorted = opts.sortBy ? [...usages].sort((a, b) => compareDesc(key(a), key(b))) : usages;
  const rows = sorted.map((u) =>
    u.usage === undefined
      ? [u.name, '<unknown>', '<unknown>', '<unknown>', '<unknown>']
      : [
          u.name,
          formatCpu(u.usage.nanoCores),
          percent(u.usage.nanoCores, u.allocatableNanoCores),
          formatMemory(u.usage.memoryBytes),
          percent(u.usage.memoryBytes, u.allocatableMemoryBytes),
        ],
  );
  return opts.noHeaders ? rows : [['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'], ...rows];
}

interface PodTopOptions extends TopOptions {
  /** Empty: every namespace. */
  readonly namespace: string;
  readonly containers: boolean;
}

async function topPods(ctx: Context, config: string | undefined, opts: PodTopOptions): Promise<number> {
  const client = ctx.client(config);
  const info = resolveKind('pods');
  const namespace = opts.namespace;
  const response = await client.call(info, 'listPodMetrics', {
    namespace,
    options: ListOptions.fromPartial({
      labelSelector: opts.selector,
      fieldSelector: opts.name !== undefined ? `metadata.name=${opts.name}` : '',
    }),
  });
  const items = (response.items ?? []) as PodMetrics[];
  const unavailable = (response.unavailableNodes ?? {}) as Record<string, string>;
  for (const [node, reason] of Object.entries(unavailable).sort()) {
    ctx.io.writeError(`Warning: no metrics from node "${node}": ${reason}\n`);
  }
  if (items.length === 0) {
    if (opts.name !== undefined) {
      // Not found says so; a pod that exists has no figures yet.
      await client.get(info, namespace || DEFAULT_NAMESPACE, opts.name);
      throw new Error(
        `metrics not available yet for pod ${opts.name}: a pod shows once it has run for a sampling interval`,
      );
    }
    const pods = await client.list(info, namespace, { labelSelector: opts.selector, limit: '1' });
    if (pods.items.length === 0) {
      ctx.io.writeError(
        namespace === '' ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`,
      );
      return 0;
    }
    throw new Error('metrics not available yet: pods show once they have run for a sampling interval');
  }
  ctx.io.write(renderTable(podRows(items, { ...opts, allNamespaces: namespace === '' })));
  return 0;
}

/** kubectl's columns: NAMESPACE with -A, POD and NAME with --containers. */
export function podRows(
  items: readonly PodMetrics[],
  opts: Pick<PodTopOptions, 'sortBy' | 'noHeaders' | 'containers'> & { allNamespaces: boolean },
): string[][] {
  const pods = items.map((m) => {
    const containers = m.containers.map((c) => ({
      name: c.name,
      nanoCores: quantity(c.usage.cpu)?.nanos ?? 0n,
      memoryBytes: quantity(c.usage.memory)?.value() ?? 0n,
    }));
    return {
      namespace: m.metadata?.namespace ?? '',
      name: m.metadata?.name ?? '',
      containers,
      nanoCores: containers.reduce((n, c) => n + c.nanoCores, 0n),
      memoryBytes: containers.reduce((n, c) => n + c.memoryBytes, 0n),
    };
  });
  if (opts.sortBy) {
    const key = opts.sortBy === 'cpu' ? 'nanoCores' : 'memoryBytes';
    pods.sort((a, b) => compareDesc(a[key], b[key]));
  }
  const ns = (namespace: string) => (opts.allNamespaces ? [namespace] : []);
  const header = [
    ...(opts.allNamespaces ? ['NAMESPACE'] : []),
    ...(opts.containers ? ['POD', 'NAME'] : ['NAME']),
    'CPU(cores)',
    'MEMORY(bytes)',
  ];
  const rows = pods.flatMap((p) =>
    opts.containers
      ? p.containers.map((c) => [
          ...ns(p.namespace),
          p.name,
          c.name,
          formatCpu(c.nanoCores),
          formatMemory(c.memoryBytes),
        ])
      : [[...ns(p.namespace), p.name, formatCpu(p.nanoCores), formatMemory(p.memoryBytes)]],
  );
  return opts.noHeaders ? rows : [header, ...rows];
}

/** Millicores, rounded up as a quantity's MilliValue is: `12m`. */
export function formatCpu(nanoCores: bigint): string {
  return `${(nanoCores + 999_999n) / 1_000_000n}m`;
}

/** Whole mebibytes, rounded down as kubectl prints them: `52Mi`. */
export function formatMemory(bytes: bigint): string {
  return `${bytes / mebibyte}Mi`;
}

function percent(used: bigint, allocatable: bigint): string {
  return allocatable > 0n ? `${(used * 100n) / allocatable}%` : '<unknown>';
}

function compareDesc(a: bigint, b: bigint): number {
  return a > b ? -1 : a < b ? 1 : 0;
}

function quantity(text: string | undefined): Quantity | undefined {
  if (!text) return undefined;
  const parsed = Quantity.tryParse(text);
  return parsed.ok ? parsed.quantity : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
