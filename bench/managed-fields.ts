/**
 * `node --import tsx bench/managed-fields.ts`: what recording metadata.managedFields costs
 * a write, in µs per operation, for the writes the control plane makes most: a Pod and a
 * Deployment created, updated with one changed label, and given a new status (CPU time,
 * see `measure`). Each row
 * is measured for the registry's field manager as it runs (the typed comparison) and as
 * its reference (manifest JSON compared, every entry decoded and encoded again), in the
 * same run, one after the other; the figure is the better of two halves.
 *
 * `--profile FILE` writes a V8 CPU profile of the whole run (`--typed-only` leaves the
 * reference out, `--only TEXT` keeps the rows whose name has TEXT) (Chrome DevTools
 * reads it) for finding where the time goes.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import { createFieldManager } from '../apiserver/registry/field-manager.js';
import type { RequestContext } from '../apiserver/registry/request-context.js';
import { Deployment } from '../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { type KindObject, typesOf } from '../sdk/kind-registry.js';
import { type KindInfo, kindFor } from '../sdk/kinds.js';

const { values } = parseArgs({
  options: {
    profile: { type: 'string' },
    ms: { type: 'string', default: '1500' },
    'typed-only': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const ROW_MS = Number(values.ms);

const t0 = new Date('2026-03-01T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const ctx = (fieldManager: string, s: number): RequestContext => ({
  user: 'bench',
  groups: [],
  dryRun: false,
  now: at(s),
  fieldManager,
});

/** A Pod as a ReplicaSet controller creates it: two containers, probes, volumes. */
function replicaSetPod(): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-7d9c8b5f6d-x2k4p',
      generateName: 'web-7d9c8b5f6d-',
      namespace: 'default',
      uid: '5b1a3d0e-8f61-4f9a-9a0e-0c7f3c1d2e4b',
      creationTimestamp: t0,
      labels: { app: 'web', 'pod-template-hash': '7d9c8b5f6d', tier: 'frontend' },
      annotations: { 'prometheus.io/scrape': 'true' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-7d9c8b5f6d',
          uid: 'c2f0b7a4-1d2e-4c3b-8a9f-7e6d5c4b3a21',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          args: ['-g', 'daemon off;'],
          ports: [
            { name: 'http', containerPort: 80, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9113, protocol: 'TCP' },
          ],
          env: [
            { name: 'MODE', value: 'production' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          ],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          volumeMounts: [{ name: 'config', mountPath: '/etc/nginx/conf.d', readOnly: true }],
          readinessProbe: {
            httpGet: { path: '/healthz', port: { value: { $case: 'intVal', value: 80 } } },
            periodSeconds: 5,
          },
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
        {
          name: 'sidecar',
          image: 'busybox:1.36',
          command: ['sh', '-c', 'sleep infinity'],
          resources: { requests: { cpu: '10m', memory: '8Mi' } },
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: '30',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: '300',
        },
      ],
    },
  });
}

function runningStatus(pod: Pod, restarts: number): Pod {
  const next = Pod.fromPartial({ ...pod });
  next.spec = { ...(pod.spec as NonNullable<Pod['spec']>), nodeName: 'node-1' };
  next.status = Pod.fromPartial({
    status: {
      phase: 'Running',
      hostIp: '10.0.0.1',
      podIp: '10.244.1.7',
      podIps: [{ ip: '10.244.1.7' }],
      startTime: at(2),
      qosClass: 'Burstable',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: at(1) },
        { type: 'Initialized', status: 'True', lastTransitionTime: at(2) },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: at(3 + restarts) },
        { type: 'Ready', status: 'True', lastTransitionTime: at(3 + restarts) },
      ],
      containerStatuses: ['web', 'sidecar'].map((name) => ({
        name,
        ready: true,
        started: true,
        restartCount: name === 'web' ? restarts : 0,
        image: name === 'web' ? 'nginx:1.27' : 'busybox:1.36',
        imageId: `sha256:${name}`,
        containerId: `process://${name}-${restarts}`,
        state: { running: { startedAt: at(3 + restarts) } },
      })),
    },
  }).status;
  return next;
}

function webDeployment(): Deployment {
  return Deployment.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: '0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a',
      creationTimestamp: t0,
      generation: '1',
      labels: { app: 'web' },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: {
          maxSurge: { value: { $case: 'strVal', value: '25%' } },
          maxUnavailable: { value: { $case: 'strVal', value: '25%' } },
        },
      },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: replicaSetPodTemplate(),
    },
  });
}

function replicaSetPodTemplate() {
  const pod = replicaSetPod();
  return { metadata: { labels: { app: 'web', tier: 'frontend' } }, spec: pod.spec };
}

function deploymentStatus(d: Deployment, ready: number): Deployment {
  const next = Deployment.fromPartial({ ...d });
  next.status = Deployment.fromPartial({
    status: {
      observedGeneration: '1',
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: 3 - ready,
      conditions: [
        {
          type: 'Available',
          status: ready === 3 ? 'True' : 'False',
          reason: 'MinimumReplicasAvailable',
          lastUpdateTime: at(5),
          lastTransitionTime: at(5),
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          lastUpdateTime: at(4 + ready),
          lastTransitionTime: at(1),
        },
      ],
    },
  }).status;
  return next;
}

interface Case {
  readonly name: string;
  readonly info: KindInfo;
  readonly old: KindObject | undefined;
  readonly next: KindObject;
  readonly manager: string;
  readonly subresource: string;
}

const podInfo = kindFor('v1', 'Pod') as KindInfo;
const deploymentInfo = kindFor('apps/v1', 'Deployment') as KindInfo;
const clone = <T extends KindObject>(info: KindInfo, o: T): T => {
  const m = typesOf(info).message;
  return m.decode(m.encode(o).finish()) as T;
};

/** Writes `next` over `old` through a field manager of `info`: the object as stored after. */
function recorded<T extends KindObject>(
  info: KindInfo,
  old: T | undefined,
  next: T,
  manager: string,
  sub: string,
  s: number,
): T {
  const fm = createFieldManager(info, true);
  const obj = clone(info, next);
  fm.recordUpdate(obj, old, ctx(manager, s), sub);
  return obj;
}

function cases(): Case[] {
  const pod = replicaSetPod();
  const created = recorded(podInfo, undefined, pod, 'kube-controller-manager', '', 0);
  const running = recorded(podInfo, created, runningStatus(created, 0), 'kubelet', 'status', 3);
  const relabelled = clone(podInfo, running);
  (relabelled.metadata as NonNullable<Pod['metadata']>).labels.canary = 'true';
  const restarted = runningStatus(running, 1);
  restarted.metadata = running.metadata;

  const d = webDeployment();
  const dCreated = recorded(deploymentInfo, undefined, d, 'kubectl-client-side-apply', '', 0);
  const dProgress = recorded(
    deploymentInfo,
    dCreated,
    deploymentStatus(dCreated, 2),
    'kube-controller-manager',
    'status',
    4,
  );
  const dRelabelled = clone(deploymentInfo, dProgress);
  (dRelabelled.metadata as NonNullable<Deployment['metadata']>).labels.canary = 'true';
  const dReady = deploymentStatus(dProgress, 3);
  dReady.metadata = dProgress.metadata;

  return [
    {
      name: 'Pod create',
      info: podInfo,
      old: undefined,
      next: pod,
      manager: 'kube-controller-manager',
      subresource: '',
    },
    {
      name: 'Pod update: one label',
      info: podInfo,
      old: running,
      next: relabelled,
      manager: 'kubectl-label',
      subresource: '',
    },
    {
      name: 'Pod status update',
      info: podInfo,
      old: running,
      next: restarted,
      manager: 'kubelet',
      subresource: 'status',
    },
    {
      name: 'Deployment create',
      info: deploymentInfo,
      old: undefined,
      next: d,
      manager: 'kubectl-client-side-apply',
      subresource: '',
    },
    {
      name: 'Deployment update: one label',
      info: deploymentInfo,
      old: dProgress,
      next: dRelabelled,
      manager: 'kubectl-label',
      subresource: '',
    },
    {
      name: 'Deployment status update',
      info: deploymentInfo,
      old: dProgress,
      next: dReady,
      manager: 'kube-controller-manager',
      subresource: 'status',
    },
  ];
}

/** One measured operation, with work that is not the tracking's done before the clock runs. */
interface Op {
  /** Called untimed before each batch of `n` runs. */
  prepare(n: number): void;
  run(): void;
}

/**
 * The registry's path: recordUpdate on a fresh copy of the request's object, by the typed
 * comparison or by the manifest one (the reference).
 */
function recordOp(c: Case, manifestComparison: boolean): Op {
  const fm = createFieldManager(c.info, true, { manifestComparison });
  const m = typesOf(c.info).message;
  const bytes = m.encode(c.next).finish();
  const copies: KindObject[] = [];
  let i = 0;
  return {
    // recordUpdate sets the object's managedFields: each run gets its own decoded copy.
    prepare(n) {
      copies.length = 0;
      for (let k = 0; k < n; k++) copies.push(m.decode(bytes) as KindObject);
      i = 0;
    },
    run: () => fm.recordUpdate(copies[i++] as KindObject, c.old, ctx(c.manager, 10), c.subresource),
  };
}

/**
 * CPU µs per run of `op` (this process's user and system time, which a machine shared
 * with other work inflates far less than the wall clock), over about `ms` milliseconds
 * of CPU after a warm-up.
 */
function measure(op: Op, ms: number): number {
  const BATCH = 100;
  op.prepare(BATCH);
  for (let i = 0; i < BATCH; i++) op.run();
  let n = 0;
  let elapsed = 0;
  while (elapsed < ms * 1000) {
    op.prepare(BATCH);
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i++) op.run();
    const used = process.cpuUsage(start);
    elapsed += used.user + used.system;
    n += BATCH;
  }
  return elapsed / n;
}

function startProfile(): Session {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 100 });
  session.post('Profiler.start');
  return session;
}

const all = cases();
const session = values.profile ? startProfile() : undefined;
const rows: string[][] = [['write', 'typed µs/op', 'manifest JSON (reference) µs/op']];
for (const c of all.filter((c) => !values.only || c.name.includes(values.only))) {
  const fm = recordOp(c, false);
  const ref = recordOp(c, true);
  // Alternate, so that both see the same machine.
  const a = [measure(fm, ROW_MS / 2), measure(fm, ROW_MS / 2)];
  const b = values['typed-only'] ? [Number.NaN] : [measure(ref, ROW_MS / 2), measure(ref, ROW_MS / 2)];
  rows.push([c.name, Math.min(...a).toFixed(1), Math.min(...b).toFixed(1)]);
  process.stderr.write(`${c.name} done\n`);
}
if (session && values.profile) {
  const file = values.profile;
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(file, JSON.stringify(result.profile));
  });
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
for (const r of rows)
  console.log(
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
  );
