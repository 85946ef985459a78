/**
 * Static pods: manifests in --pod-manifest-path run without the apiserver, and each is
 * mirrored into the API as a pod annotated `kubernetes.io/config.mirror`, so that the
 * cluster sees what the node runs. As the kubelet does: a static pod is named
 * `<name>-<node>`, its uid is a hash of its manifest and the node (an edited file is a
 * new pod: the old one stops, the new one starts, the mirror is replaced), and a file
 * removed stops its pod and deletes its mirror. The directory is read every second.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { sleep } from '../../sdk/backoff.js';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Logger } from '../../sdk/logger.js';
import { CONFIG_SOURCE_ANNOTATION, type Kubelet, MIRROR_POD_ANNOTATION } from '../kubelet.js';

export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';

export interface StaticPodsOptions {
  readonly dir: string;
  readonly nodeName: string;
  readonly kubelet: Pick<Kubelet, 'setStaticPod' | 'apiPod'>;
  readonly clients: Clientset;
  readonly logger: Logger;
  readonly periodMs?: number;
}

/** The static pods the directory describes now, by uid. */
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
      if (!json || json.kind !== 'Pod') {
        if (json) logger?.warn({ file }, 'a static pod manifest must be a Pod; skipped');
        continue;
      }
      const pod = Pod.fromJSON(json);
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

export async function runStaticPods(
  opts: StaticPodsOptions & { nodeUid?: string },
  signal: AbortSignal,
): Promise<void> {
  const pods = opts.clients.kind<Pod>('Pod');
  let current = new Map<string, Pod>();
  while (!signal.aborted) {
    const next = readStaticPods(opts.dir, opts.nodeName, opts.logger);
    for (const [uid, pod] of next) if (!current.has(uid)) opts.kubelet.setStaticPod(uid, pod);
    for (const uid of current.keys()) if (!next.has(uid)) opts.kubelet.setStaticPod(uid, undefined);
    // Mirrors: one per static pod, carrying its hash; stale and orphaned ones are deleted.
    const wanted = new Map(
      [...next.values()].map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p]),
    );
    for (const [key, pod] of wanted) {
      const [ns = '', name = ''] = key.split('/');
      try {
        // From the cache of pods bound to this node: a node may not read pods it has no relation to.
        const mirror = opts.kubelet.apiPod(ns, name);
        const hash = mirror?.metadata?.annotations?.[MIRROR_POD_ANNOTATION];
        if (mirror && hash !== pod.metadata?.uid) {
          await pods.delete(ns, name, { gracePeriodSeconds: '0' });
        }
        if (!mirror || hash !== pod.metadata?.uid) {
          if (mirror?.metadata?.deletionTimestamp === undefined)
            await pods.create(mirrorOf(pod, opts.nodeUid, opts.nodeName));
        }
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
    current = next;
    await sleep(opts.periodMs ?? 1_000, signal);
  }
}
