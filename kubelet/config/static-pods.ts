/**
 * Static pods: manifests in --pod-manifest-path run without the apiserver, and each is
 * mirrored into the API as a pod annotated `kubernetes.io/config.mirror`, so that the
 * cluster sees what the node runs. As the kubelet does: a static pod is named
 * `<name>-<node>`, its uid is a hash of its manifest and the node (an edited file is a
 * new pod: the old one stops, the new one starts, the mirror is replaced), and a file
 * removed stops its pod and deletes its mirror.
 *
 * Static pods run as soon as the kubelet starts, before and without the apiserver (which
 * may be one of them); mirrors are made once the node is registered. The directory is
 * watched (a change is picked up at once) and read again every second in any case, since
 * file-system notifications are not delivered everywhere (network file systems, some
 * editors' renames).
 */
import { createHash } from 'node:crypto';
import { type FSWatcher, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { sleep } from '../../sdk/backoff.js';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { loadKindTypes } from '../../sdk/kind-loader.js';
import { resolveResource } from '../../sdk/kinds.js';
import type { Logger } from '../../sdk/logger.js';
import { decodeObject } from '../../sdk/manifest/decode.js';
import { CONFIG_SOURCE_ANNOTATION, type Kubelet, MIRROR_POD_ANNOTATION } from '../kubelet.js';

export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';

const POD_KIND = (() => {
  const info = resolveResource('pods');
  if (!info) throw new Error('the Pod kind is not registered');
  return info;
})();
/**
 * When a kubelet told to stop its pods on exit stops a static pod: ascending, pods of the
 * same order at once, those without it first (after the API's pods). `wheelhouse up` gives
 * the control plane's pods the reverse of their dependencies: scheduler 1, controller
 * manager 2, apiserver 3, store 4.
 */
export const SHUTDOWN_ORDER_ANNOTATION = 'wheelhouse.dev/shutdown-order';

/** A static pod's shutdown order (0 when it has none, or one that is not a number). */
export function shutdownOrderOf(pod: Pod): number {
  const n = Number(pod.metadata?.annotations?.[SHUTDOWN_ORDER_ANNOTATION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

export interface StaticPodsOptions {
  readonly dir: string;
  readonly nodeName: string;
  readonly kubelet: Pick<Kubelet, 'setStaticPod' | 'apiPod'>;
  readonly clients: Clientset;
  readonly logger: Logger;
  /** How often the directory is read even without a notification (default 1 s). */
  readonly periodMs?: number;
  /** The registered Node (its uid owns the mirrors); undefined until then, and no mirror is made. */
  readonly node: () => { readonly uid?: string } | undefined;
}

/**
 * The static pods the directory describes now, by uid. The Pod kind's code must be loaded
 * (`loadStaticPodKind`): the kubelet loads no other kind's to read its manifests.
 */
export function readStaticPods(dir: string, nodeName: string, logger?: Logger): Map<string, Pod> {
  const out = new Map<string, Pod>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('.'));
  } catch {
    return out;
  }
  for (const file of files.sort()) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch {
      continue;
    }
    for (const doc of parseAllDocuments(text)) {
      const json = doc.toJSON() as { kind?: string } | null;
      if (json?.kind !== 'Pod') {
        if (json) logger?.warn({ file }, 'a static pod manifest must be a Pod; skipped');
        continue;
      }
      let pod: Pod;
      try {
        // As the apiserver reads a manifest: bare ports (IntOrString), quantities, typos refused.
        pod = decodeObject(POD_KIND, json, { source: join(dir, file) }) as Pod;
      } catch (err) {
        logger?.warn({ file, err: (err as Error).message }, 'a static pod manifest is invalid; skipped');
        continue;
      }
      const uid = createHash('md5')
        .update(nodeName)
        .update(JSON.stringify(Pod.toJSON(pod)))
        .digest('hex');
      const name = `${pod.metadata?.name ?? file}-${nodeName}`;
      const stat = Pod.fromPartial({
        ...pod,
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...pod.metadata,
          name,
          namespace: pod.metadata?.namespace || 'default',
          uid,
          annotations: {
            ...(pod.metadata?.annotations ?? {}),
            [CONFIG_SOURCE_ANNOTATION]: 'file',
            [CONFIG_HASH_ANNOTATION]: uid,
          },
        },
        spec: { ...pod.spec, nodeName },
      });
      out.set(uid, stat);
    }
  }
  return out;
}

/** Loads what readStaticPods decodes with: the Pod kind's generated code. */
export function loadStaticPodKind(): Promise<unknown> {
  return loadKindTypes(POD_KIND);
}

function mirrorOf(pod: Pod, nodeUid: string | undefined, nodeName: string): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.metadata?.name ?? '',
      namespace: pod.metadata?.namespace ?? 'default',
      labels: pod.metadata?.labels ?? {},
      annotations: { ...(pod.metadata?.annotations ?? {}), [MIRROR_POD_ANNOTATION]: pod.metadata?.uid ?? '' },
      ...(nodeUid
        ? {
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid, controller: true },
            ],
          }
        : {}),
    },
    spec: pod.spec,
  });
}

/** Resolves after `ms`, when something in `dir` changes, or when `signal` aborts. */
function createDirWaiter(
  dir: string,
  logger: Logger,
): { wait(ms: number, signal: AbortSignal): Promise<void>; close(): void } {
  let wake: (() => void) | undefined;
  let changed = false;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, () => {
      changed = true;
      wake?.();
    });
    watcher.on('error', (err) => {
      logger.warn({ err, dir }, 'watching the static pod directory failed; reading it every period');
      watcher?.close();
    });
  } catch (err) {
    logger.info({ err, dir }, 'cannot watch the static pod directory; reading it every period');
  }
  return {
    async wait(ms, signal) {
      if (changed) {
        changed = false;
        return;
      }
      const ac = new AbortController();
      const onAbort = () => ac.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      wake = () => ac.abort();
      await sleep(ms, ac.signal);
      wake = undefined;
      changed = false;
      signal.removeEventListener('abort', onAbort);
    },
    close: () => watcher?.close(),
  };
}

export async function runStaticPods(opts: StaticPodsOptions, signal: AbortSignal): Promise<void> {
  const waiter = createDirWaiter(opts.dir, opts.logger);
  await loadStaticPodKind();
  let current = new Map<string, Pod>();
  try {
    while (!signal.aborted) {
      const next = readStaticPods(opts.dir, opts.nodeName, opts.logger);
      for (const [uid, pod] of next) if (!current.has(uid)) opts.kubelet.setStaticPod(uid, pod);
      for (const uid of current.keys()) if (!next.has(uid)) opts.kubelet.setStaticPod(uid, undefined);
      const node = opts.node();
      if (node) await syncMirrors(opts, node.uid, current, next);
      current = next;
      await waiter.wait(opts.periodMs ?? 1_000, signal);
    }
  } finally {
    waiter.close();
  }
}

/**
 * One mirror per static pod, carrying its hash; stale ones (another hash) are replaced and
 * those of removed files deleted. Mirrors are read from the cache of pods bound to this
 * node: a node may not read pods it has no relation to.
 */
async function syncMirrors(
  opts: StaticPodsOptions,
  nodeUid: string | undefined,
  current: Map<string, Pod>,
  next: Map<string, Pod>,
): Promise<void> {
  const pods = opts.clients.kind<Pod>('Pod');
  const wanted = new Map([...next.values()].map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p]));
  for (const [key, pod] of wanted) {
    const [ns = '', name = ''] = key.split('/');
    try {
      const mirror = opts.kubelet.apiPod(ns, name);
      const hash = mirror?.metadata?.annotations?.[MIRROR_POD_ANNOTATION];
      if (mirror && hash === pod.metadata?.uid) continue;
      if (mirror) await pods.delete(ns, name, { gracePeriodSeconds: '0' });
      if (mirror?.metadata?.deletionTimestamp === undefined)
        await pods.create(mirrorOf(pod, nodeUid, opts.nodeName));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) {
        opts.logger.warn({ err, pod: key }, 'failed to mirror a static pod');
      }
    }
  }
  for (const old of current.values()) {
    const key = `${old.metadata?.namespace}/${old.metadata?.name}`;
    if (wanted.has(key)) continue;
    await pods
      .delete(old.metadata?.namespace ?? '', old.metadata?.name ?? '', { gracePeriodSeconds: '0' })
      .catch(() => undefined);
  }
}
