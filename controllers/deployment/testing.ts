/** The cluster, Deployments, edits and waits for the Deployment controller's integration tests. */
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Cluster } from '../../test/cluster.js';
import {
  type ClusterSuite,
  type InProcessControllers,
  runControllerInProcess,
  startPodReadier,
  useCluster,
  waitFor,
} from '../shared/testing.js';
import { runDeploymentController } from './deployment-controller.js';

/**
 * The suite's cluster with a controller manager running `controllers` (the Deployment and
 * ReplicaSet controllers unless told), and a readier that reports the pods of `default`
 * Running and Ready as kubelets would (those `ready` accepts, when given). Call it inside
 * `describe`.
 */
export function useDeploymentCluster(
  opts: { controllers?: string; ready?: (pod: Pod) => boolean } = {},
): ClusterSuite {
  return useCluster({
    prepare: ({ admin, signal }) =>
      startPodReadier(admin, 'default', signal, opts.ready ? { filter: opts.ready } : {}),
    controllerManager: ['--controllers', opts.controllers ?? 'deployment,replicaset'],
  });
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

/** A gate on Deployment watches: while it is held, an informer behind it lags the apiserver. */
export function deploymentWatchGate() {
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  return {
    /** `api` with its Deployment watches passing through the gate. */
    wrap(api: ApiClient): ApiClient {
      return {
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
    },
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => open(),
  };
}

/** The Deployment controller running in the test's process, alone, with one worker. */
export interface InProcessDeploymentController extends InProcessControllers {
  /** Holds and releases the controller's Deployment watch. */
  readonly watch: ReturnType<typeof deploymentWatchGate>;
}

/**
 * Starts the Deployment controller in this process with the controller manager's
 * identity; its API client (the watches, its patches) is `wrap`'s answer when given, so a
 * test can step between the controller and the apiserver.
 */
export function startDeploymentController(
  cluster: Cluster,
  opts: { wrap?: (api: ApiClient) => ApiClient } = {},
): InProcessDeploymentController {
  const watch = deploymentWatchGate();
  const controller = runControllerInProcess(
    cluster,
    (ctx) => runDeploymentController({ ...ctx, workers: 1 }, ctx.signal),
    { wrap: (api) => (opts.wrap ? opts.wrap(watch.wrap(api)) : watch.wrap(api)) },
  );
  return {
    ...controller,
    watch,
    async stop() {
      // A held watch would keep the informer, and so the controller, from returning.
      watch.release();
      await controller.stop();
    },
  };
}

/**
 * Waits until the Deployment `name` has its ReplicaSet and a status for its generation,
 * and the controller's informer shows the Deployment as stored, unchanged for 300 ms;
 * resolves with the ReplicaSet.
 */
export async function waitSettled(
  admin: Clientset,
  controller: InProcessControllers,
  name: string,
): Promise<ReplicaSet> {
  const dc = admin.kind<Deployment>('Deployment');
  const cached = () =>
    controller.informers.informerFor<Deployment>('Deployment').indexer.get(`default/${name}`);
  return waitFor('the ReplicaSet and a settled Deployment', async () => {
    const d = await dc.get('default', name);
    const [made] = await replicaSetsOf(admin, d);
    const rv = d.metadata?.resourceVersion;
    if (!made || d.status?.observedGeneration !== d.metadata?.generation) return undefined;
    await new Promise((r) => setTimeout(r, 300));
    const again = await dc.get('default', name);
    return again.metadata?.resourceVersion === rv && cached()?.metadata?.resourceVersion === rv
      ? made
      : undefined;
  });
}
