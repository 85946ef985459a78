/** The cluster, Deployments, edits and waits for the Deployment controller's integration tests. */
import { after, before } from 'node:test';
import { Registry } from 'prom-client';
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import { type Clientset, createClientset } from '../../sdk/client/typed-client.js';
import { apiEventSink } from '../../sdk/events/event-sink.js';
import { createEventRecorder } from '../../sdk/events/index.js';
import { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { createLogger } from '../../sdk/logger.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { controllerManagerConfig } from '../garbage-collector/testing.js';
import {
  adminClients,
  type ControllerManagerProcess,
  startControllerManager,
  startPodReadier,
  waitFor,
} from '../shared/testing.js';
import { runDeploymentController } from './deployment-controller.js';

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

/** A cluster and the admin's clients, with no controller: set before the suite's first test. */
export function useBareCluster(): { readonly cluster: Cluster; readonly admin: Clientset } {
  let cluster: Cluster | undefined;
  let admin: Clientset | undefined;
  before(async () => {
    cluster = await startCluster();
    admin = adminClients(cluster);
  });
  after(async () => {
    admin?.close();
    await cluster?.stop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error("the cluster is set up before the suite's first test");
    return v;
  };
  return {
    get cluster() {
      return started(cluster);
    },
    get admin() {
      return started(admin);
    },
  };
}

/** The Deployment controller running in the test's process, alone, with one worker. */
export interface InProcessDeploymentController {
  readonly informers: InformerFactory;
  /** Holds and releases the controller's Deployment watch. */
  readonly watch: ReturnType<typeof holdingDeploymentWatch>;
  /** The sum of a counter of the controller's metrics (`controller_runtime_reconcile_errors_total`). */
  counter(name: string): Promise<number>;
  /** Stops it and waits for it to return. */
  stop(): Promise<void>;
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
  const logger = createLogger('controller-manager', { level: 'warn' });
  const registry = new Registry();
  const clients = createClientset(controllerManagerConfig(cluster), { component: 'controller-manager' });
  const watch = holdingDeploymentWatch(clients.api);
  const api = opts.wrap ? opts.wrap(watch.client) : watch.client;
  const informers = new InformerFactory(api, { logger });
  const events = createEventRecorder(apiEventSink(clients.api), { component: 'controller-manager', logger });
  const lifetime = new AbortController();
  informers.start(lifetime.signal);
  const running = runDeploymentController(
    { informers, clients: { ...clients, api }, events, logger, registry, workers: 1 },
    lifetime.signal,
  );
  return {
    informers,
    watch,
    async counter(name) {
      return (await registry.getSingleMetric(name)?.get())?.values.reduce((a, v) => a + v.value, 0) ?? 0;
    },
    async stop() {
      watch.release();
      lifetime.abort();
      await running;
      await events.flush();
      clients.close();
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
  controller: InProcessDeploymentController,
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
