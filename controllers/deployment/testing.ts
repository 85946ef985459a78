/** The cluster, Deployments, edits and waits for the Deployment controller's integration tests. */
import { after, before } from 'node:test';
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import {
  adminClients,
  type ControllerManagerProcess,
  startControllerManager,
  startPodReadier,
  waitFor,
} from '../shared/testing.js';

/** What a suite's tests work with: set before its first test, stopped after its last. */
export interface DeploymentCluster {
  readonly cluster: Cluster;
  /** The admin's typed clients. */
  readonly clients: Clientset;
  /** The controller manager running now. */
  readonly cm: ControllerManagerProcess;
  /** Stops the controller manager with `signal` and starts a successor with the same controllers. */
  restartControllerManager(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Registers the suite's set-up and tear-down: a cluster, a controller manager running
 * `controllers` (the Deployment and ReplicaSet controllers unless told), the admin's
 * clients, and a readier that reports the pods of `default` Running and Ready as kubelets
 * would (those `ready` accepts, when given). Call it inside `describe`.
 */
export function useDeploymentCluster(
  opts: { controllers?: string; ready?: (pod: Pod) => boolean } = {},
): DeploymentCluster {
  const args = ['--controllers', opts.controllers ?? 'deployment,replicaset'];
  const stop = new AbortController();
  let cluster: Cluster | undefined;
  let clients: Clientset | undefined;
  let cm: ControllerManagerProcess | undefined;
  const started = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is set up before the suite's first test`);
    return v;
  };
  before(async () => {
    cluster = await startCluster();
    cm = await startControllerManager(cluster, args);
    clients = adminClients(cluster);
    await startPodReadier(clients, 'default', stop.signal, opts.ready ? { filter: opts.ready } : {});
  });
  after(async () => {
    stop.abort();
    clients?.close();
    await cm?.stop();
    await cluster?.stop();
  });
  return {
    get cluster() {
      return started(cluster, 'the cluster');
    },
    get clients() {
      return started(clients, 'the clients');
    },
    get cm() {
      return started(cm, 'the controller manager');
    },
    async restartControllerManager(signal) {
      await started(cm, 'the controller manager').stop(signal);
      cm = undefined;
      cm = await startControllerManager(started(cluster, 'the cluster'), args);
    },
  };
}

export function webDeployment(
  name: string,
  replicas: number,
  opts: {
    image?: string;
    maxSurge?: string | number;
    maxUnavailable?: string | number;
    revisionHistoryLimit?: number;
  } = {},
): Deployment {
  const ios = (v: string | number | undefined) =>
    v === undefined
      ? undefined
      : typeof v === 'number'
        ? { value: { $case: 'intVal' as const, value: v } }
        : { value: { $case: 'strVal' as const, value: v } };
  return Deployment.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      ...(opts.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: opts.revisionHistoryLimit } : {}),
      selector: { matchLabels: { app: name } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: {
          ...(opts.maxSurge !== undefined ? { maxSurge: ios(opts.maxSurge) } : {}),
          ...(opts.maxUnavailable !== undefined ? { maxUnavailable: ios(opts.maxUnavailable) } : {}),
        },
      },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: opts.image ?? 'nginx:1.27' }] },
      },
    },
  });
}

/** Updates a Deployment with `change`, retrying on conflicts. */
export async function edit(
  clients: Clientset,
  name: string,
  change: (d: Deployment) => void,
): Promise<Deployment> {
  return waitFor(`update of ${name}`, async () => {
    const d = await clients.kind<Deployment>('Deployment').get('default', name);
    change(d);
    return clients.kind<Deployment>('Deployment').update(d);
  });
}

export const setImage = (image: string) => (d: Deployment) => {
  const c = d.spec?.template?.spec?.containers[0];
  if (c) c.image = image;
};

export async function replicaSetsOf(clients: Clientset, d: Deployment): Promise<ReplicaSet[]> {
  return (await clients.kind<ReplicaSet>('ReplicaSet').list('default')).items.filter((rs) =>
    rs.metadata?.ownerReferences.some((r) => r.uid === d.metadata?.uid && r.controller),
  );
}

/** Waits until the rollout is complete: status exact for `replicas` pods of the current template. */
export async function waitComplete(
  clients: Clientset,
  name: string,
  timeoutMs = 40_000,
): Promise<Deployment> {
  const dc = clients.kind<Deployment>('Deployment');
  return waitFor(
    `rollout of ${name} complete`,
    async () => {
      const d = await dc.get('default', name);
      const s = d.status;
      const r = d.spec?.replicas ?? 1;
      const progressing = s?.conditions.find((c) => c.type === 'Progressing');
      return s &&
        s.observedGeneration === d.metadata?.generation &&
        s.replicas === r &&
        s.updatedReplicas === r &&
        s.availableReplicas === r &&
        s.readyReplicas === r &&
        s.unavailableReplicas === 0 &&
        progressing?.reason === 'NewReplicaSetAvailable'
        ? d
        : undefined;
    },
    { timeoutMs, describe: async () => JSON.stringify((await dc.get('default', name)).status) },
  );
}

/** An API client whose Deployment watch can be held: the informer then lags the apiserver. */
export function holdingDeploymentWatch(api: ApiClient) {
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  const client: ApiClient = {
    ...api,
    watchMessages(info, namespace, options, signal) {
      const inner = api.watchMessages(info, namespace, options, signal);
      if (info.kind !== 'Deployment') return inner;
      return (async function* () {
        for await (const events of inner) {
          await gate;
          yield events;
        }
      })();
    },
  };
  return {
    client,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => open(),
  };
}
