/** Builders and readers for the DaemonSet controller's integration tests. */
import type { Clientset } from '../../sdk/client/typed-client.js';
import { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import { Node, type Taint } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Toleration } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import type { IntOrString } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import { listPods } from '../shared/testing.js';
import { nodeNameAffinity, targetNodeName } from './daemon-pod-template.js';

export const int = (value: number): IntOrString => ({ value: { $case: 'intVal', value } });
export const percent = (value: string): IntOrString => ({ value: { $case: 'strVal', value } });

export interface DaemonSetOptions {
  namespace?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  image?: string;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  updateStrategy?: 'RollingUpdate' | 'OnDelete';
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
}

export function daemonSet(name: string, opts: DaemonSetOptions = {}): DaemonSet {
  const type = opts.updateStrategy ?? 'RollingUpdate';
  return DaemonSet.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: opts.namespace ?? 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      minReadySeconds: opts.minReadySeconds ?? 0,
      ...(opts.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: opts.revisionHistoryLimit } : {}),
      updateStrategy: {
        type,
        ...(type === 'RollingUpdate'
          ? {
              rollingUpdate: {
                ...(opts.maxUnavailable ? { maxUnavailable: opts.maxUnavailable } : {}),
                ...(opts.maxSurge ? { maxSurge: opts.maxSurge } : {}),
              },
            }
          : {}),
      },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: opts.nodeSelector ?? {},
          tolerations: opts.tolerations ?? [],
          containers: [{ name: 'agent', image: opts.image ?? 'busybox:1.36' }],
        },
      },
    },
  });
}

export function node(name: string, labels: Record<string, string> = {}, taints: Partial<Taint>[] = []): Node {
  return Node.fromPartial({ metadata: { name, labels }, spec: { taints }, status: {} });
}

/** The pods `ds` controls, live from the apiserver. */
export async function podsOf(clients: Clientset, ds: DaemonSet): Promise<Pod[]> {
  return (await listPods(clients, ds.metadata?.namespace ?? 'default')).filter((p) =>
    p.metadata?.ownerReferences.some((r) => r.controller && r.uid === ds.metadata?.uid),
  );
}

/** Target node → names of the pods for it, sorted: a readable picture of placement. */
export function placementOf(pods: readonly Pod[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pod of pods) {
    const n = targetNodeName(pod) ?? '?';
    out[n] = [...(out[n] ?? []), pod.metadata?.name ?? ''].sort();
  }
  return out;
}

/** The status fields a test compares, in a fixed order. */
export function statusCounts(ds: DaemonSet) {
  const s = ds.status;
  return {
    desired: s?.desiredNumberScheduled ?? 0,
    current: s?.currentNumberScheduled ?? 0,
    misscheduled: s?.numberMisscheduled ?? 0,
    ready: s?.numberReady ?? 0,
    available: s?.numberAvailable ?? 0,
    unavailable: s?.numberUnavailable ?? 0,
    updated: s?.updatedNumberScheduled ?? 0,
  };
}

/** A daemon pod for unit tests: for `nodeName`, of revision `hash`, ready or not. */
export function daemonPod(
  name: string,
  nodeName: string,
  opts: {
    hash?: string;
    ready?: boolean;
    readySince?: Date;
    created?: Date;
    phase?: string;
    deleting?: boolean;
    bound?: boolean;
  } = {},
): Pod {
  const since = opts.readySince ?? new Date(0);
  return Pod.fromPartial({
    metadata: {
      name,
      namespace: 'default',
      labels: opts.hash ? { [CONTROLLER_REVISION_HASH_LABEL]: opts.hash } : {},
      creationTimestamp: opts.created ?? new Date(1000),
      ...(opts.deleting ? { deletionTimestamp: new Date(2000) } : {}),
    },
    spec: {
      nodeName: opts.bound ? nodeName : '',
      affinity: nodeNameAffinity(undefined, nodeName),
    },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: opts.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: since }] : [],
    },
  });
}
