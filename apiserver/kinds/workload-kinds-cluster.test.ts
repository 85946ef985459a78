/**
 * The workload kinds through real store and apiserver processes: each is created from a
 * Kubernetes manifest as the Kubernetes documentation writes it, read back with the
 * server's defaults, and its status and scale subresources answer as Kubernetes' do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { Scale } from '../../sdk/gen/wheelhouse/apps/v1/scale.js';
import type { StatefulSet } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import type { CronJob } from '../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import type { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { PodDisruptionBudget } from '../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { fieldOf } from '../../sdk/kinds.js';
import { parseManifests } from '../../sdk/manifest/index.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { outcome } from '../../test/outcome.js';

const daemonSetYaml = `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluentd-elasticsearch
  namespace: kube-system
  labels:
    k8s-app: fluentd-logging
spec:
  selector:
    matchLabels:
      name: fluentd-elasticsearch
  template:
    metadata:
      labels:
        name: fluentd-elasticsearch
    spec:
      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoSchedule
      - key: node-role.kubernetes.io/master
        operator: Exists
        effect: NoSchedule
      containers:
      - name: fluentd-elasticsearch
        image: quay.io/fluentd_elasticsearch/fluentd:v2.5.2
        resources:
          limits:
            memory: 200Mi
          requests:
            cpu: 100m
            memory: 200Mi
        volumeMounts:
        - name: varlog
          mountPath: /var/log
      terminationGracePeriodSeconds: 30
      volumes:
      - name: varlog
        hostPath:
          path: /var/log
`;

const statefulSetYaml = `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: nginx # has to match .spec.template.metadata.labels
  serviceName: "nginx"
  replicas: 3 # by default is 1
  minReadySeconds: 10 # by default is 0
  template:
    metadata:
      labels:
        app: nginx # has to match .spec.selector.matchLabels
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      storageClassName: "my-storage-class"
      resources:
        requests:
          storage: 1Gi
`;

const controllerRevisionYaml = `
apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: web-7b9c5f8d4
  labels:
    app: nginx
data:
  spec:
    template:
      $patch: replace
      metadata:
        labels:
          app: nginx
      spec:
        containers:
        - image: registry.k8s.io/nginx-slim:0.24
          name: nginx
revision: 1
`;

const jobYaml = `
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`;

const indexedJobYaml = `
apiVersion: batch/v1
kind: Job
metadata:
  name: job-backoff-limit-per-index-example
spec:
  completions: 10
  parallelism: 3
  completionMode: Indexed  # required for the feature
  backoffLimitPerIndex: 1  # maximal number of failures per index
  maxFailedIndexes: 5      # maximal number of failed indexes before terminating the Job execution
  ttlSecondsAfterFinished: 100
  activeDeadlineSeconds: 600
  template:
    spec:
      restartPolicy: Never # required for the feature
      containers:
      - name: example
        image: python
        command:
        - python3
        - -c
        - |
          import os, sys
          print("Hello world")
          if int(os.environ.get("JOB_COMPLETION_INDEX")) % 2 == 0:
            sys.exit(1)
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions:
      - type: DisruptionTarget
    - action: FailIndex
      onExitCodes:
        containerName: example
        operator: In
        values: [42]
`;

const cronJobYaml = `
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  timeZone: "Etc/UTC"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            imagePullPolicy: IfNotPresent
            command:
            - /bin/sh
            - -c
            - date; echo Hello from the Kubernetes cluster
          restartPolicy: OnFailure
`;

const pdbYaml = `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: zk-pdb
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: zookeeper
`;

function manifest<T extends KindObject>(yaml: string): T {
  const [parsed] = parseManifests(yaml);
  if (!parsed) throw new Error('no object in manifest');
  return parsed.object as T;
}

describe('workload kinds in a real cluster', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  /** Creates the object through its kind's service and reads it back with a fresh Get. */
  async function createAndGet<T extends KindObject>(resource: string, object: T): Promise<T> {
    const client = cluster.client(resource);
    const field = fieldOf({ kind: object.kind } as Parameters<typeof fieldOf>[0]);
    await call(client, `create${object.kind}`, { [field]: object });
    const got = await call<Record<string, T>>(client, `get${object.kind}`, {
      namespace: object.metadata?.namespace || 'default',
      name: object.metadata?.name,
    });
    const read = got[field];
    assert.ok(read, `${object.kind} read back`);
    // Workloads track their generation; a ControllerRevision has none, as in Kubernetes.
    assert.equal(read.metadata?.generation, object.kind === 'ControllerRevision' ? '0' : '1');
    return read;
  }

  test('DaemonSet: the documentation example, with its defaults and status', async () => {
    const ds = await createAndGet('daemonsets', manifest<DaemonSet>(daemonSetYaml));
    assert.equal(ds.apiVersion, 'apps/v1');
    assert.equal(ds.spec?.updateStrategy?.type, 'RollingUpdate');
    assert.deepEqual(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable?.value, {
      $case: 'intVal',
      value: 1,
    });
    assert.deepEqual(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge?.value, { $case: 'intVal', value: 0 });
    assert.equal(ds.spec?.revisionHistoryLimit, 10);
    assert.equal(ds.spec?.template?.spec?.tolerations.length, 2);

    const client = cluster.client('daemonsets');
    ds.status = {
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      desiredNumberScheduled: 3,
      numberReady: 2,
      observedGeneration: '1',
      updatedNumberScheduled: 3,
      numberAvailable: 2,
      numberUnavailable: 1,
      conditions: [],
    };
    const updated = await call<{ daemonSet: DaemonSet }>(client, 'updateDaemonSetStatus', { daemonSet: ds });
    assert.equal(updated.daemonSet.status?.numberReady, 2);
    assert.equal(updated.daemonSet.metadata?.generation, '1');
  });

  test('StatefulSet: stores volumeClaimTemplates, defaults its policies and scales', async () => {
    const sts = await createAndGet('statefulsets', manifest<StatefulSet>(statefulSetYaml));
    const spec = sts.spec!;
    assert.equal(spec.replicas, 3);
    assert.equal(spec.serviceName, 'nginx');
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.equal(spec.updateStrategy?.type, 'RollingUpdate');
    assert.equal(spec.updateStrategy?.rollingUpdate?.partition, 0);
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
    const claim = spec.volumeClaimTemplates[0];
    assert.equal(claim?.metadata?.name, 'www');
    assert.deepEqual(claim?.spec?.accessModes, ['ReadWriteOnce']);
    assert.equal(claim?.spec?.storageClassName, 'my-storage-class');
    assert.equal(claim?.spec?.resources?.requests.storage, '1Gi');
    assert.equal(claim?.spec?.volumeMode, 'Filesystem');

    const client = cluster.client('statefulsets');
    const scale = await call<{ scale: Scale }>(client, 'getStatefulSetScale', {
      namespace: 'default',
      name: 'web',
    });
    assert.equal(scale.scale.spec?.replicas, 3);
    assert.equal(scale.scale.status?.selector, 'app=nginx');
    const scaled = await call<{ scale: Scale }>(client, 'updateStatefulSetScale', {
      scale: { ...scale.scale, spec: { replicas: 5 } },
    });
    assert.equal(scaled.scale.spec?.replicas, 5);

    // Only replicas, ordinals, template, updateStrategy, ... may change.
    const fresh = (
      await call<{ statefulSet: StatefulSet }>(client, 'getStatefulSet', {
        namespace: 'default',
        name: 'web',
      })
    ).statefulSet;
    assert.equal(fresh.metadata?.generation, '2');
    fresh.spec!.serviceName = 'other';
    const refused = await outcome(call(client, 'updateStatefulSet', { statefulSet: fresh }));
    assert.equal(refused.code, 'INVALID_ARGUMENT');
    assert.match(
      refused.message,
      /spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/,
    );
  });

  test('ControllerRevision: free-form data stored as written and immutable', async () => {
    const cr = await createAndGet(
      'controllerrevisions',
      manifest<ControllerRevision>(controllerRevisionYaml),
    );
    assert.equal(cr.revision, '1');
    const data = cr.data as { spec: { template: { spec: { containers: { image: string }[] } } } };
    assert.equal(data.spec.template.spec.containers[0]?.image, 'registry.k8s.io/nginx-slim:0.24');
    const client = cluster.client('controllerrevisions');
    const changed = { ...cr, revision: '2' };
    await call(client, 'updateControllerRevision', { controllerRevision: changed });
    const refused = await outcome(
      call(client, 'updateControllerRevision', {
        controllerRevision: {
          ...cr,
          metadata: { ...cr.metadata, resourceVersion: '' },
          revision: '3',
          data: { other: true },
        },
      }),
    );
    assert.equal(refused.code, 'INVALID_ARGUMENT');
    assert.match(refused.message, /data: Invalid value: .*field is immutable/);
  });

  test('Job: selector and labels generated from the uid, defaults as Kubernetes', async () => {
    const job = await createAndGet('jobs', manifest<Job>(jobYaml));
    const uid = job.metadata?.uid ?? '';
    const spec = job.spec!;
    assert.equal(spec.completions, 1);
    assert.equal(spec.parallelism, 1);
    assert.equal(spec.backoffLimit, 4);
    assert.equal(spec.completionMode, 'NonIndexed');
    assert.equal(spec.suspend, false);
    assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(spec.selector?.matchLabels, { 'batch.kubernetes.io/controller-uid': uid });
    assert.deepEqual(spec.template?.metadata?.labels, {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': uid,
      'job-name': 'pi',
    });

    const indexed = await createAndGet('jobs', manifest<Job>(indexedJobYaml));
    assert.equal(indexed.spec?.completionMode, 'Indexed');
    assert.equal(indexed.spec?.backoffLimit, 2 ** 31 - 1);
    assert.equal(indexed.spec?.podReplacementPolicy, 'Failed');
    assert.equal(indexed.spec?.podFailurePolicy?.rules[0]?.onPodConditions[0]?.status, 'True');

    const client = cluster.client('jobs');
    job.status = {
      conditions: [{ type: 'Complete', status: 'True', reason: 'Completed', message: '' }],
      startTime: new Date('2024-01-01T00:00:00Z'),
      completionTime: new Date('2024-01-01T00:00:09Z'),
      active: 0,
      succeeded: 1,
      failed: 0,
      completedIndexes: '',
      uncountedTerminatedPods: { succeeded: [], failed: [] },
      ready: 0,
      terminating: 0,
    };
    const done = await call<{ job: Job }>(client, 'updateJobStatus', { job });
    assert.equal(done.job.status?.succeeded, 1);
    assert.equal(done.job.status?.completionTime?.toISOString(), '2024-01-01T00:00:09.000Z');

    // The template of a running Job is fixed; the selector may not be another Job's.
    const fresh = (await call<{ job: Job }>(client, 'getJob', { namespace: 'default', name: 'pi' })).job;
    fresh.spec!.template!.spec!.containers[0]!.image = 'perl:5.36';
    const refused = await outcome(call(client, 'updateJob', { job: fresh }));
    assert.equal(refused.code, 'INVALID_ARGUMENT');
    assert.match(refused.message, /spec\.template: Invalid value: .*field is immutable/);

    const stolen = manifest<Job>(jobYaml);
    stolen.metadata!.name = 'thief';
    stolen.spec!.template!.metadata = { labels: { 'batch.kubernetes.io/controller-uid': uid } } as never;
    const bad = await outcome(call(client, 'createJob', { job: stolen }));
    assert.equal(bad.code, 'INVALID_ARGUMENT');
    assert.match(
      bad.message,
      /spec\.template\.metadata\.labels\[batch\.kubernetes\.io\/controller-uid\]: Invalid value/,
    );
  });

  test('CronJob: the documentation example; bad schedules and zones are refused', async () => {
    const cj = await createAndGet('cronjobs', manifest<CronJob>(cronJobYaml));
    assert.equal(cj.spec?.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec?.suspend, false);
    assert.equal(cj.spec?.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec?.failedJobsHistoryLimit, 1);
    assert.equal(cj.spec?.timeZone, 'Etc/UTC');

    const client = cluster.client('cronjobs');
    const bad = manifest<CronJob>(cronJobYaml);
    bad.metadata!.name = 'bad';
    bad.spec!.schedule = '61 * * * *';
    bad.spec!.timeZone = 'Mars/Olympus';
    const refused = await outcome(call(client, 'createCronJob', { cronJob: bad }));
    assert.equal(refused.code, 'INVALID_ARGUMENT');
    assert.match(
      refused.message,
      /spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\)/,
    );
    assert.match(
      refused.message,
      /spec\.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/,
    );
    const hourly = manifest<CronJob>(cronJobYaml);
    hourly.metadata!.name = 'hourly';
    hourly.spec!.schedule = '@hourly';
    await call(client, 'createCronJob', { cronJob: hourly });
  });

  test('PodDisruptionBudget: the documentation example; both bounds at once are refused', async () => {
    const pdb = await createAndGet('poddisruptionbudgets', manifest<PodDisruptionBudget>(pdbYaml));
    assert.deepEqual(pdb.spec?.minAvailable?.value, { $case: 'intVal', value: 2 });
    assert.deepEqual(pdb.spec?.selector?.matchLabels, { app: 'zookeeper' });
    const both = manifest<PodDisruptionBudget>(pdbYaml);
    both.metadata!.name = 'both';
    both.spec!.maxUnavailable = { value: { $case: 'strVal', value: '10%' } };
    const refused = await outcome(
      call(cluster.client('pdb'), 'createPodDisruptionBudget', { podDisruptionBudget: both }),
    );
    assert.equal(refused.code, 'INVALID_ARGUMENT');
    assert.match(
      refused.message,
      /spec: Invalid value: null: minAvailable and maxUnavailable cannot be both set/,
    );
  });
});
