/**
 * `whctl logs [-f] [-c container] POD | TYPE/NAME | -l selector`: a container's log
 * through PodService.GetPodLogs (authorized as `get pods/log`), which the apiserver
 * streams from the kubelet of the Pod's node, as `kubectl logs`. With a selector or
 * `--all-containers` several logs are read — one after the other, or side by side with
 * `-f` — each line prefixed with its source when `--prefix` asks.
 *
 * Log bytes are written as they come: a container may print anything.
 */
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { parseDurationMs } from '../../../sdk/duration.js';
import { fromServiceError } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  GetPodLogsRequest,
  type GetPodLogsResponse,
  PodServiceClient,
} from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { Command } from '../command.js';
import type { Context } from '../context.js';
import { commonFlags, parseFlags } from '../flags.js';
import { DEFAULT_NAMESPACE } from '../namespaces.js';
import { resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';

const help = `Print the logs of a container in a pod.

Usage:
  whctl logs [-f] [-p] [-c CONTAINER] POD
  whctl logs TYPE/NAME          # the first pod of a Deployment, ReplicaSet, Job, ...
  whctl logs -l SELECTOR        # every matching pod

Examples:
  whctl logs web                         # the default container's log
  whctl logs -f web -c sidecar           # follow one container
  whctl logs --previous web              # the instance before the last restart
  whctl logs deploy/web --all-containers --prefix
  whctl logs -l app=web --tail 20

Flags:
  -c, --container NAME     the container (default: the kubectl.kubernetes.io/default-container
                           annotation, else the pod's first container)
      --all-containers     every container of the pod(s), init containers first
  -f, --follow             keep streaming new lines
  -p, --previous           the previous, terminated instance of the container
      --tail N             only the last N lines (-1: all; 10 per pod with -l)
      --since DURATION     only lines newer than this (5s, 2m, 3h)
      --timestamps         prefix each line with its RFC 3339 time
      --limit-bytes N      stop after N bytes
      --prefix             prefix each line with [pod/NAME/CONTAINER]
  -l, --selector SEL       the pods matching this label selector
      --max-log-requests N  streams followed at once with -l or --all-containers (default 5)
  -n, --namespace NS       namespace (default "default")
      --config FILE        client config
`;

const flags = {
  ...commonFlags,
  container: { type: 'string', short: 'c' },
  'all-containers': { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  previous: { type: 'boolean', short: 'p' },
  tail: { type: 'string' },
  since: { type: 'string' },
  timestamps: { type: 'boolean' },
  'limit-bytes': { type: 'string' },
  prefix: { type: 'boolean' },
  selector: { type: 'string', short: 'l' },
  'max-log-requests': { type: 'string' },
} as const;

/** One log to read. */
interface Source {
  readonly pod: string;
  /** Empty: the apiserver picks the default container. */
  readonly container: string;
}

/** Kinds whose pods `logs TYPE/NAME` reads, through their label selector. */
const OWNERS_WITH_SELECTOR = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

export const logsCommand: Command = {
  summary: 'Print the logs for a container in a pod',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const namespace = values.namespace ?? DEFAULT_NAMESPACE;
    const selector = values.selector;
    if (selector === undefined && positionals.length === 0)
      throw new UsageError('a pod name (or TYPE/NAME, or -l SELECTOR) is required');
    if (selector !== undefined && positionals.length > 0)
      throw new UsageError('give either a pod name or --selector, not both');
    if (positionals.length > 2)
      throw new UsageError(`expected POD [CONTAINER], got ${positionals.join(' ')}`);
    if (values.container !== undefined && positionals[1] !== undefined)
      throw new UsageError('give the container either as an argument or with -c, not both');
    if (values['all-containers'] && (values.container ?? positionals[1]) !== undefined)
      throw new UsageError('--all-containers cannot be combined with a container name');

    const client = ctx.client(values.config);
    const pods = await podsToRead(ctx, values.config, namespace, positionals[0], selector);
    if (pods.length === 0) {
      ctx.io.writeError(`No resources found in ${namespace} namespace.\n`);
      return 0;
    }
    const container = values.container ?? positionals[1] ?? '';
    const sources: Source[] = pods.flatMap((pod) =>
      values['all-containers']
        ? [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => ({
            pod: pod.metadata?.name ?? '',
            container: c.name,
          }))
        : [{ pod: pod.metadata?.name ?? '', container }],
    );

    const tail = intFlag(values.tail, '--tail') ?? (selector !== undefined ? 10 : -1);
    const limitBytes = intFlag(values['limit-bytes'], '--limit-bytes');
    let sinceSeconds: number | undefined;
    if (values.since !== undefined) {
      try {
        sinceSeconds = Math.max(1, Math.ceil(parseDurationMs(values.since) / 1000));
      } catch (err) {
        throw new UsageError(`--since: ${(err as Error).message}`);
      }
    }
    const maxRequests = intFlag(values['max-log-requests'], '--max-log-requests') ?? 5;
    if (values.follow && sources.length > maxRequests)
      throw new UsageError(
        `you are attempting to follow ${sources.length} log streams, but maximum allowed concurrency is ${maxRequests}, use --max-log-requests to increase the limit`,
      );

    const service = client.serviceClient(PodServiceClient);
    const read = (source: Source) =>
      stream(
        ctx,
        service,
        GetPodLogsRequest.fromPartial({
          namespace,
          name: source.pod,
          container: source.container,
          follow: values.follow ?? false,
          previous: values.previous ?? false,
          timestamps: values.timestamps ?? false,
          ...(tail >= 0 ? { tailLines: String(tail) } : {}),
          ...(sinceSeconds !== undefined ? { sinceSeconds: String(sinceSeconds) } : {}),
          ...(limitBytes !== undefined ? { limitBytes: String(limitBytes) } : {}),
        }),
        values.prefix ? `[pod/${source.pod}/${source.container || defaultContainer(pods, source.pod)}] ` : '',
      );
    if (values.follow) await Promise.all(sources.map(read));
    else for (const source of sources) await read(source);
    return 0;
  },
};

function intFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value))
    throw new UsageError(`${name} must be an integer, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** The container the apiserver picks when none is named: the annotation's, else the first. */
function defaultContainer(pods: readonly Pod[], name: string): string {
  const pod = pods.find((p) => p.metadata?.name === name);
  return (
    pod?.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ??
    pod?.spec?.containers[0]?.name ??
    ''
  );
}

/** The pods a `logs` invocation names: one by name, a workload's, or a selector's. */
async function podsToRead(
  ctx: Context,
  config: string | undefined,
  namespace: string,
  target: string | undefined,
  selector: string | undefined,
): Promise<Pod[]> {
  const client = ctx.client(config);
  const podInfo = resolveKind('pods');
  if (selector !== undefined) {
    const list = await client.list(podInfo, namespace, { labelSelector: selector });
    return list.items as Pod[];
  }
  const slash = target?.indexOf('/') ?? -1;
  if (target === undefined || slash < 0) {
    return [(await client.get(podInfo, namespace, target ?? '')) as Pod];
  }
  const info: KindInfo = resolveKind(target.slice(0, slash));
  const name = target.slice(slash + 1);
  if (info.kind === 'Pod') return [(await client.get(podInfo, namespace, name)) as Pod];
  if (!OWNERS_WITH_SELECTOR.has(info.kind))
    throw new UsageError(`cannot read the logs of a ${info.kind}: name a pod or a workload that has pods`);
  const owner = (await client.get(info, namespace, name)) as {
    spec?: { selector?: { matchLabels?: Record<string, string> } };
  };
  const labels = owner.spec?.selector?.matchLabels ?? {};
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (labelSelector === '')
    throw new UsageError(`${info.kind} ${name} has no label selector to find its pods by`);
  const list = await client.list(podInfo, namespace, { labelSelector });
  const pods = (list.items as Pod[]).sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  // kubectl reads one pod of a workload: the first, preferring one that runs.
  const running = pods.find((p) => p.status?.phase === 'Running');
  const first = running ?? pods[0];
  if (!first) throw new Error(`no pods found for ${info.kind.toLowerCase()}/${name}`);
  return [first];
}

/** Copies one log stream to stdout, each line prefixed when `prefix` is set; ends on Ctrl-C. */
function stream(
  ctx: Context,
  service: PodServiceClient,
  request: GetPodLogsRequest,
  prefix: string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const call: ClientReadableStream<GetPodLogsResponse> = service.getPodLogs(request);
    const abort = () => call.cancel();
    ctx.io.signal.addEventListener('abort', abort, { once: true });
    let partial = '';
    call.on('data', (message: GetPodLogsResponse) => {
      const text = Buffer.from(message.data).toString('utf8');
      if (prefix === '') {
        ctx.io.write(text);
        return;
      }
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) ctx.io.write(`${prefix}${line}\n`);
    });
    call.on('error', (err: ServiceError) => {
      ctx.io.signal.removeEventListener('abort', abort);
      if (ctx.io.signal.aborted) resolve();
      else reject(fromServiceError(err));
    });
    call.on('end', () => {
      ctx.io.signal.removeEventListener('abort', abort);
      if (partial !== '') ctx.io.write(`${prefix}${partial}\n`);
      resolve();
    });
  });
}
