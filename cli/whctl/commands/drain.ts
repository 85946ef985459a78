/**
 * `whctl drain NODE`: cordon the Node, then evict every Pod on it through the
 * eviction subresource (PodService.EvictPod), which honours PodDisruptionBudgets,
 * and wait until the Pods are gone — kubectl's drain. Pods that would be lost for
 * good are refused unless the user says so: DaemonSet-managed ones (their
 * controller ignores unschedulable and would put them right back), ones with
 * emptyDir data, and ones no controller would recreate. Mirror Pods are skipped:
 * only their kubelet can remove them.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { parseDurationMs } from '../../../sdk/duration.js';
import { ApiError, Code, isApiError } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { EvictPodRequest } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { DeleteOptions } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Command } from '../command.js';
import { commonFlags, parseFlags } from '../flags.js';
import { formatError } from '../report-error.js';
import { resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { nodeNames, setUnschedulable } from './cordon.js';

const flags = {
  ...commonFlags,
  'ignore-daemonsets': { type: 'boolean' },
  'delete-emptydir-data': { type: 'boolean' },
  force: { type: 'boolean' },
  'grace-period': { type: 'string' },
  timeout: { type: 'string' },
  'disable-eviction': { type: 'boolean' },
  selector: { type: 'string', short: 'l' },
  'pod-selector': { type: 'string' },
} as const;

/** kubectl waits this long between evictions a disruption budget refused. */
export const EVICTION_RETRY_MS = 5_000;
const POLL_MS = 200;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const DAEMONSET_REFUSED = 'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
const DAEMONSET_WARNED = 'ignoring DaemonSet-managed Pods';
const LOCAL_STORAGE_REFUSED =
  'cannot delete Pods with local storage (use --delete-emptydir-data to override)';
const LOCAL_STORAGE_WARNED = 'deleting Pods with local storage';
const UNMANAGED_REFUSED = 'cannot delete Pods that declare no controller (use --force to override)';
const UNMANAGED_WARNED = 'deleting Pods that declare no controller';

export interface DrainOptions {
  readonly ignoreDaemonSets: boolean;
  readonly deleteEmptyDirData: boolean;
  readonly force: boolean;
}

/** What drain does with the Pods of a Node, and why it refuses or warns about some. */
export interface DrainPlan {
  readonly evict: Pod[];
  /** Refusal messages, each with the Pods it concerns. */
  readonly errors: string[];
  readonly warnings: string[];
}

const podKey = (pod: Pod) => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

/** Sorts the Pods of a Node as kubectl's drain filters do (pkg/drain/filters.go). */
export function planDrain(pods: readonly Pod[], opts: DrainOptions): DrainPlan {
  // Messages in kubectl's filter order, whatever order the Pods come in.
  const refused = new Map<string, string[]>([
    [DAEMONSET_REFUSED, []],
    [LOCAL_STORAGE_REFUSED, []],
    [UNMANAGED_REFUSED, []],
  ]);
  const warned = new Map<string, string[]>([
    [DAEMONSET_WARNED, []],
    [LOCAL_STORAGE_WARNED, []],
    [UNMANAGED_WARNED, []],
  ]);
  const add = (map: Map<string, string[]>, message: string, pod: Pod) => {
    map.set(message, [...(map.get(message) ?? []), podKey(pod)]);
  };
  const evict: Pod[] = [];
  for (const pod of pods) {
    const meta = pod.metadata;
    if (meta?.annotations?.[MIRROR_ANNOTATION] !== undefined) continue;
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const controller = meta?.ownerReferences.find((ref) => ref.controller);
    let refuse = false;
    if (controller?.kind === 'DaemonSet') {
      if (opts.ignoreDaemonSets) add(warned, DAEMONSET_WARNED, pod);
      else add(refused, DAEMONSET_REFUSED, pod);
      continue;
    }
    if (!finished && pod.spec?.volumes.some((v) => v.emptyDir !== undefined)) {
      if (opts.deleteEmptyDirData) add(warned, LOCAL_STORAGE_WARNED, pod);
      else {
        add(refused, LOCAL_STORAGE_REFUSED, pod);
        refuse = true;
      }
    }
    if (!finished && controller === undefined) {
      if (opts.force) add(warned, UNMANAGED_WARNED, pod);
      else {
        add(refused, UNMANAGED_REFUSED, pod);
        refuse = true;
      }
    }
    if (!refuse) evict.push(pod);
  }
  const render = (map: Map<string, string[]>) =>
    [...map].filter(([, keys]) => keys.length > 0).map(([message, keys]) => `${message}: ${keys.join(', ')}`);
  return { evict, errors: render(refused), warnings: render(warned) };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export const drainCommand: Command = {
  summary: 'Drain node in preparation for maintenance',
  help: `Drain node in preparation for maintenance: cordon it, then evict its Pods.

Evictions honour PodDisruptionBudgets: an eviction a budget refuses is tried again
every 5 seconds until --timeout. Mirror Pods are skipped.

Usage:
  whctl drain NODE [flags]

Flags:
      --ignore-daemonsets      leave DaemonSet-managed Pods where they are
      --delete-emptydir-data   evict Pods with emptyDir volumes, whose data is lost
      --force                  also evict Pods that no controller manages (they are not recreated)
      --grace-period SECONDS   seconds each Pod has to stop (-1: the Pod's own; default -1)
      --timeout DURATION       give up after this long (e.g. 90s, 5m; 0: never; default 0)
      --disable-eviction       delete the Pods instead of evicting them, bypassing disruption budgets
  -l, --selector SELECTOR      drain only the nodes matching this label selector
      --pod-selector SELECTOR  evict only the Pods matching this label selector
      --config FILE            client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const grace = values['grace-period'] === undefined ? -1 : Number(values['grace-period']);
    if (!Number.isInteger(grace) || grace < -1) {
      throw new UsageError("--grace-period must be a whole number of seconds (-1 for the Pod's own)");
    }
    let timeoutMs = 0;
    if (values.timeout !== undefined) {
      try {
        timeoutMs = parseDurationMs(values.timeout);
      } catch (err) {
        throw new UsageError(`--timeout: ${(err as Error).message}`);
      }
    }
    const client = ctx.client(values.config);
    const nodeInfo = resolveKind('nodes');
    let names: string[];
    if (values.selector !== undefined) {
      if (positionals.length > 0) throw new UsageError('give either node names or -l, not both');
      names = (await client.list(nodeInfo, '', { labelSelector: values.selector })).items.map(
        (n) => n.metadata?.name ?? '',
      );
      if (names.length === 0) ctx.io.writeError('No resources found\n');
    } else {
      names = nodeNames(positionals);
    }

    // One deadline for the whole drain, as kubectl's --timeout.
    const stop = new AbortController();
    const onInterrupt = () => stop.abort();
    ctx.io.signal.addEventListener('abort', onInterrupt, { once: true });
    const timer = timeoutMs > 0 ? setTimeout(() => stop.abort(), timeoutMs) : undefined;
    const options: DrainOptions = {
      ignoreDaemonSets: values['ignore-daemonsets'] ?? false,
      deleteEmptyDirData: values['delete-emptydir-data'] ?? false,
      force: values.force ?? false,
    };
    try {
      let failed = false;
      for (const name of names) {
        const cordoned = await setUnschedulable(client, name, true);
        ctx.io.write(`node/${name} ${cordoned ? 'cordoned' : 'already cordoned'}\n`);
        try {
          await drainNode(ctx.io, client, name, {
            ...options,
            grace,
            podSelector: values['pod-selector'] ?? '',
            disableEviction: values['disable-eviction'] ?? false,
            signal: stop.signal,
            timeout: values.timeout ?? '',
          });
          ctx.io.write(`node/${name} drained\n`);
        } catch (err) {
          failed = true;
          ctx.io.writeError(`error: unable to drain node "${name}" due to error: ${errorText(err)}\n`);
        }
      }
      return failed ? 1 : 0;
    } finally {
      clearTimeout(timer);
      ctx.io.signal.removeEventListener('abort', onInterrupt);
    }
  },
};

function errorText(err: unknown): string {
  return err instanceof ApiError
    ? formatError(err).trimEnd()
    : err instanceof Error
      ? err.message
      : String(err);
}

interface NodeDrain extends DrainOptions {
  readonly grace: number;
  readonly podSelector: string;
  readonly disableEviction: boolean;
  readonly signal: AbortSignal;
  readonly timeout: string;
}

async function drainNode(
  io: { write(text: string): void; writeError(text: string): void },
  client: ApiClient,
  node: string,
  opts: NodeDrain,
): Promise<void> {
  const podInfo = resolveKind('pods');
  const pods = (
    await client.list(podInfo, '', {
      fieldSelector: `spec.nodeName=${node}`,
      labelSelector: opts.podSelector,
    })
  ).items as Pod[];
  const plan = planDrain(pods, opts);
  if (plan.errors.length > 0) throw new Error(plan.errors.join(', '));
  for (const warning of plan.warnings) io.writeError(`Warning: ${warning}\n`);

  const deleteOptions: Partial<DeleteOptions> = { propagationPolicy: '' };
  if (opts.grace >= 0) deleteOptions.gracePeriodSeconds = String(opts.grace);
  const timedOut = () => new Error(`drain did not complete within ${opts.timeout}`);

  const removeOne = async (pod: Pod): Promise<void> => {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    const options = { ...deleteOptions, preconditions: { uid, resourceVersion: '' } };
    if (opts.disableEviction) {
      try {
        await client.delete(podInfo, namespace, name, options);
      } catch (err) {
        if (!isApiError(err, Code.NOT_FOUND)) throw err;
      }
    } else {
      io.write(`evicting pod ${namespace}/${name}\n`);
      for (;;) {
        if (opts.signal.aborted) throw timedOut();
        try {
          await client.call(
            podInfo,
            'evictPod',
            EvictPodRequest.fromPartial({
              eviction: { metadata: { namespace, name }, deleteOptions: options },
            }),
          );
          break;
        } catch (err) {
          if (isApiError(err, Code.NOT_FOUND)) break;
          if (!isApiError(err, Code.RESOURCE_EXHAUSTED)) {
            throw new Error(
              `error when evicting pods/"${name}" -n "${namespace}": ${err instanceof Error ? err.message : String(err)}`,
            );
          }
          io.writeError(
            `error when evicting pods/"${name}" -n "${namespace}" (will retry after ${EVICTION_RETRY_MS / 1000}s): ${err.message}\n`,
          );
          await sleep(EVICTION_RETRY_MS, opts.signal);
        }
      }
    }
    // Gone once it is not found, or a namesake with another uid took its place.
    for (;;) {
      try {
        const current = await client.get(podInfo, namespace, name);
        if ((current.metadata?.uid ?? '') !== uid) break;
      } catch (err) {
        if (isApiError(err, Code.NOT_FOUND)) break;
        throw err;
      }
      if (opts.signal.aborted) throw timedOut();
      await sleep(POLL_MS, opts.signal);
    }
    io.write(`pod/${name} ${opts.disableEviction ? 'deleted' : 'evicted'}\n`);
  };

  const results = await Promise.allSettled(plan.evict.map(removeOne));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
  if (failures.length > 0) {
    const pending = plan.evict.filter((_, i) => results[i]?.status === 'rejected').map(podKey);
    io.writeError(
      `There are pending pods in node "${node}" when an error occurred: ${failures.join('; ')}\n`,
    );
    throw new Error(`${failures.length} pod(s) could not be removed: ${pending.join(', ')}`);
  }
}
