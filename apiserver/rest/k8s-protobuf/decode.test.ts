import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { HttpError } from '../errors.js';
import { decodeProtobufObject, writeKubernetesTimes } from './index.js';
import { kubernetesMessages, messageSpec } from './messages.js';
import { kubernetesKinds } from './schema.js';

/*
 * The bytes below are built by hand, field number by field number, from Kubernetes'
 * published generated.proto (k8s.io/api core/v1, apps/v1, policy/v1, autoscaling/v1 and v2; apimachinery
 * meta/v1, resource, intstr): the numbers are written here literally, not taken from the
 * table under test.
 */
type Value = string | number | bigint | boolean | Uint8Array | Value[];

/** A message: [field number, value] pairs in order; strings and nested messages length-delimited. */
function msg(...fields: [number, Value][]): Uint8Array {
  const w = new BinaryWriter();
  for (const [no, v] of fields) {
    if (Array.isArray(v)) {
      for (const item of v) w.raw(msg([no, item]));
    } else if (typeof v === 'string') w.uint32((no << 3) | 2).string(v);
    else if (v instanceof Uint8Array) w.uint32((no << 3) | 2).bytes(v);
    else if (typeof v === 'boolean') w.uint32(no << 3).bool(v);
    else w.uint32(no << 3).int64(v);
  }
  return w.finish();
}

/** A map<string, V> entry: {key=1, value=2}. */
const entry = (key: string, value: string | Uint8Array) => msg([1, key], [2, value]);

/** `k8s\0` + runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4}. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from('k8s\0', 'latin1'),
    msg([1, msg([1, apiVersion], [2, kind])], [2, raw], [3, ''], [4, '']),
  ]);
}

function refusal(status: number, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.httpStatus, status);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('Kubernetes protobuf → JSON', () => {
  it('reads the ConfigMap kubectl create configmap sends, Go zero values left out', () => {
    // ObjectMeta {name=1, generateName=2, namespace=3, generation=7, creationTimestamp=8, labels=11}:
    // gogo writes every value field, so the empty ones are on the wire too.
    const metadata = msg(
      [1, 'cfg'],
      [2, ''],
      [3, ''],
      [7, 0],
      [8, new Uint8Array()],
      [11, entry('app', 'web')],
    );
    // ConfigMap {metadata=1, data=2, binaryData=3, immutable=4 (*bool)}.
    const raw = msg(
      [1, metadata],
      [2, entry('greeting', 'hello')],
      [2, entry('empty', '')],
      [3, entry('blob', new Uint8Array([0, 1, 2]))],
      [4, false],
    );
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'ConfigMap', raw)), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', labels: { app: 'web' } },
      data: { greeting: 'hello', empty: '' },
      binaryData: { blob: 'AAEC' },
      // A pointer field on the wire is set, even to false.
      immutable: false,
    });
  });

  it('reads a Deployment down to probes, resources, volumes and security contexts', () => {
    // IntOrString {type=1, intVal=2, strVal=3}; Quantity {string=1}.
    const intPort = msg([1, 0], [2, 8080]);
    // HTTPGetAction {path=1, port=2}; ProbeHandler {exec=1, httpGet=2}; Probe {handler=1 (inline), initialDelaySeconds=2}.
    const probe = msg([1, msg([2, msg([1, '/healthz'], [2, intPort])])], [2, 5]);
    // ResourceRequirements {limits=1, requests=2}: map<string, Quantity>.
    const resources = msg([1, entry('cpu', msg([1, '500m']))], [2, entry('memory', msg([1, '64Mi']))]);
    // SecurityContext {runAsUser=4 (*int64), runAsNonRoot=5 (*bool)}.
    const securityContext = msg([4, 1000], [5, true]);
    // Container {name=1, image=2, command=3, ports=6 {containerPort=3}, resources=8,
    // livenessProbe=10, securityContext=15, stdin=16 (bool value)}.
    const container = msg(
      [1, 'nginx'],
      [2, 'nginx:1.25'],
      [3, ['nginx', '-g', 'daemon off;']],
      [6, msg([3, 80], [4, 'TCP'])],
      [8, resources],
      [10, probe],
      [15, securityContext],
      [16, false],
    );
    // Volume {name=1, volumeSource=2 (inline) {emptyDir=2 {}}}.
    const volume = msg([1, 'scratch'], [2, msg([2, new Uint8Array()])]);
    // Toleration {key=1, operator=2, effect=4, tolerationSeconds=5}.
    const toleration = msg([1, 'node.kubernetes.io/unreachable'], [2, 'Exists'], [4, 'NoExecute'], [5, 300]);
    // PodSpec {volumes=1, containers=2, terminationGracePeriodSeconds=4, hostNetwork=11,
    // tolerations=22, priority=25 (*int32)}.
    const podSpec = msg([1, volume], [2, container], [4, 30], [11, false], [22, toleration], [25, -5]);
    // LabelSelector {matchLabels=1}; PodTemplateSpec {metadata=1, spec=2}.
    const selector = msg([1, entry('app', 'web')]);
    const template = msg([1, msg([11, entry('app', 'web')])], [2, podSpec]);
    // DeploymentSpec {replicas=1 (*int32), selector=2, template=3, strategy=4 (value)}.
    const spec = msg([1, 0], [2, selector], [3, template], [4, new Uint8Array()]);
    // Deployment {metadata=1, spec=2, status=3}.
    const raw = msg([1, msg([1, 'web'])], [2, spec], [3, msg([1, 0])]);
    assert.deepEqual(decodeProtobufObject(envelope('apps/v1', 'Deployment', raw)), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [{ name: 'scratch', emptyDir: {} }],
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.25',
                command: ['nginx', '-g', 'daemon off;'],
                ports: [{ containerPort: 80, protocol: 'TCP' }],
                resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
                livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5 },
                securityContext: { runAsUser: 1000, runAsNonRoot: true },
              },
            ],
            terminationGracePeriodSeconds: 30,
            tolerations: [
              {
                key: 'node.kubernetes.io/unreachable',
                operator: 'Exists',
                effect: 'NoExecute',
                tolerationSeconds: 300,
              },
            ],
            priority: -5,
          },
        },
      },
    });
  });

  it('reads int-or-string strings, Secret bytes, packed and unpacked numbers, and times', () => {
    // PodDisruptionBudgetSpec {minAvailable=1, selector=2, maxUnavailable=3}.
    const pdb = decodeProtobufObject(
      envelope('policy/v1', 'PodDisruptionBudget', msg([2, msg([1, msg([1, 1], [3, '50%'])])])),
    );
    assert.deepEqual(pdb.spec, { minAvailable: '50%' });
    // Secret {data=2 map<string, bytes>, type=3}.
    const secret = decodeProtobufObject(
      envelope('v1', 'Secret', msg([2, entry('password', Buffer.from('s3cret'))], [3, 'Opaque'])),
    );
    assert.deepEqual(secret.data, { password: 'czNjcmV0' });
    // PodSecurityContext {supplementalGroups=4 repeated int64}: packed, then one more unpacked.
    const packed = new BinaryWriter().int64(1000).int64(2000).finish();
    const podSecurity = new BinaryWriter();
    podSecurity.uint32((4 << 3) | 2).bytes(packed);
    podSecurity.uint32(4 << 3).int64(3000);
    const pod = decodeProtobufObject(envelope('v1', 'Pod', msg([2, msg([14, podSecurity.finish()])])));
    assert.deepEqual(pod.spec, { securityContext: { supplementalGroups: [1000, 2000, 3000] } });
    // Event {firstTimestamp=6 Time, eventTime=10 MicroTime}; Timestamp {seconds=1, nanos=2}.
    const seconds = Date.UTC(2026, 11, 5, 19, 51, 44) / 1000;
    const event = decodeProtobufObject(
      envelope('v1', 'Event', msg([6, msg([1, seconds])], [10, msg([1, seconds], [2, 123_456_789])])),
    );
    assert.equal(event.firstTimestamp, '2026-12-05T19:51:44Z');
    assert.equal(event.eventTime, '2026-12-05T19:51:44.123456Z');
  });

  it('reads an autoscaling/v2 HorizontalPodAutoscaler, its metric sources by their own numbers', () => {
    // Quantity {string=1}; MetricTarget {type=1, value=2, averageValue=3, averageUtilization=4 (*int32)}.
    const utilization = msg([1, 'Utilization'], [4, 50]);
    const average = msg([1, 'AverageValue'], [3, msg([1, '30'])]);
    // MetricIdentifier {name=1}; ResourceMetricSource {name=1, target=2};
    // ContainerResourceMetricSource {name=1, target=2, container=3}; ExternalMetricSource {metric=1, target=2}.
    // MetricSpec {type=1, resource=4, containerResource=7, external=5}.
    const metrics: Value[] = [
      msg([1, 'Resource'], [4, msg([1, 'cpu'], [2, utilization])]),
      msg([1, 'ContainerResource'], [7, msg([1, 'cpu'], [2, utilization], [3, 'app'])]),
      msg([1, 'External'], [5, msg([1, msg([1, 'queue'])], [2, average])]),
    ];
    // HPAScalingPolicy {type=1, value=2, periodSeconds=3};
    // HPAScalingRules {selectPolicy=1 (*string), policies=2, stabilizationWindowSeconds=3 (*int32)}.
    const scaleDown = msg([1, 'Max'], [2, msg([1, 'Percent'], [2, 10], [3, 60])], [3, 0]);
    // CrossVersionObjectReference {kind=1, name=2, apiVersion=3}; HorizontalPodAutoscalerBehavior {scaleUp=1, scaleDown=2}.
    // HorizontalPodAutoscalerSpec {scaleTargetRef=1, minReplicas=2 (*int32), maxReplicas=3, metrics=4, behavior=5}.
    const spec = msg(
      [1, msg([1, 'Deployment'], [2, 'web'], [3, 'apps/v1'])],
      [2, 1],
      [3, 5],
      [4, metrics],
      [5, msg([2, scaleDown])],
    );
    // HorizontalPodAutoscalerStatus {currentReplicas=3, desiredReplicas=4}: zeros on the wire, unset in JSON.
    const raw = msg([1, msg([1, 'web'])], [2, spec], [3, msg([3, 0], [4, 0])]);
    assert.deepEqual(decodeProtobufObject(envelope('autoscaling/v2', 'HorizontalPodAutoscaler', raw)), {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
          },
          {
            type: 'ContainerResource',
            containerResource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: 50 },
              container: 'app',
            },
          },
          {
            type: 'External',
            external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } },
          },
        ],
        behavior: {
          scaleDown: {
            selectPolicy: 'Max',
            policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
            stabilizationWindowSeconds: 0,
          },
        },
      },
    });
    assert.throws(
      () => decodeProtobufObject(envelope('autoscaling/v2beta2', 'HorizontalPodAutoscaler', raw)),
      refusal(415, /HorizontalPodAutoscaler \(autoscaling\/v2beta2\) is not accepted/),
    );
  });

  it('reads the autoscaling/v1 HorizontalPodAutoscaler kubectl 1.32 autoscale sends, by its own message', () => {
    // autoscaling/v1 HorizontalPodAutoscalerSpec {scaleTargetRef=1, minReplicas=2 (*int32),
    // maxReplicas=3, targetCPUUtilizationPercentage=4 (*int32)}; CrossVersionObjectReference
    // {kind=1, name=2, apiVersion=3}; HorizontalPodAutoscalerStatus {observedGeneration=1 (*int64),
    // lastScaleTime=2 (*Time), currentReplicas=3, desiredReplicas=4,
    // currentCPUUtilizationPercentage=5 (*int32)}.
    const spec = msg([1, msg([1, 'Deployment'], [2, 'web'], [3, 'apps/v1'])], [2, 1], [3, 5], [4, 50]);
    const status = msg([1, 2], [3, 0], [4, 0], [5, 30]);
    const raw = msg([1, msg([1, 'web'])], [2, spec], [3, status]);
    assert.deepEqual(decodeProtobufObject(envelope('autoscaling/v1', 'HorizontalPodAutoscaler', raw)), {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 1,
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 50,
      },
      status: { observedGeneration: 2, currentCPUUtilizationPercentage: 30 },
    });
  });

  it('refuses what it does not read instead of dropping it', () => {
    const withField = (extra: [number, Value]) =>
      envelope('apps/v1', 'Deployment', msg([2, msg([3, msg([2, msg([2, msg([1, 'c'], extra)])])])]));
    // Container has no field 99: with a value it is refused, naming the message and the path.
    assert.throws(
      () => decodeProtobufObject(withField([99, 'x'])),
      refusal(
        415,
        /field number 99 of k8s\.io\.api\.core\.v1\.Container is not known.*spec\.template\.spec\.containers\[0\]|spec\.template\.spec\.containers\[0\].*field number 99 of k8s\.io\.api\.core\.v1\.Container/,
      ),
    );
    // At its zero value it carries nothing (a Go value field this server does not list).
    assert.doesNotThrow(() => decodeProtobufObject(withField([99, 0])));
    assert.doesNotThrow(() => decodeProtobufObject(withField([99, ''])));
    // A string where the contract has a number: the bytes are not this message.
    assert.throws(() => decodeProtobufObject(withField([10, 7])), refusal(400, /wire type/));
    const whole = withField([2, 'nginx']);
    assert.throws(
      // Cut inside raw (the envelope ends with two empty strings, 4 bytes).
      () => decodeProtobufObject(whole.subarray(0, whole.length - 6)),
      refusal(400, /cannot be decoded/),
    );
    // A kind with no schema, and an embedded object that is itself protobuf.
    assert.throws(
      () => decodeProtobufObject(envelope('example.com/v1', 'Widget', msg())),
      refusal(415, /Widget \(example\.com\/v1\) is not accepted.*application\/json/),
    );
    assert.throws(
      // ControllerRevision {data=2 RawExtension {raw=1}}.
      () =>
        decodeProtobufObject(
          envelope('apps/v1', 'ControllerRevision', msg([2, msg([1, Buffer.from('k8s\0')])])),
        ),
      refusal(415, /embedded object that is not JSON/),
    );
    assert.throws(
      () => decodeProtobufObject(envelope('v1', 'Deployment', msg())),
      refusal(415, /Deployment \(v1\) is not accepted/),
    );
  });
});

describe('the schema table', () => {
  it('resolves every message it names and every kind it serves', () => {
    const messages = kubernetesMessages();
    assert.ok(messages.size > 200);
    for (const [kind, byVersion] of Object.entries(kubernetesKinds)) {
      for (const message of Object.values(byVersion)) assert.ok(messages.has(message), `${kind}: ${message}`);
    }
  });

  it('has the published field numbers of the fields everything goes through', () => {
    const name = (message: string, no: number) => messageSpec(message).fields.get(no)?.name;
    assert.equal(name('meta.ObjectMeta', 11), 'labels');
    assert.equal(name('meta.ObjectMeta', 13), 'ownerReferences');
    assert.equal(name('core.PodSpec', 2), 'containers');
    assert.equal(name('core.PodSpec', 22), 'tolerations');
    assert.equal(name('core.Container', 14), 'imagePullPolicy');
    assert.equal(name('apps.DeploymentSpec', 9), 'progressDeadlineSeconds');
    assert.equal(name('batch.CronJobSpec', 1), 'schedule');
    assert.equal(name('rbac.PolicyRule', 5), 'nonResourceURLs');
    assert.equal(name('core.ResourceQuotaSpec', 1), 'hard');
    assert.equal(name('scheduling.PriorityClass', 5), 'preemptionPolicy');
    assert.equal(name('core.Endpoints', 2), 'subsets');
    assert.equal(name('core.EndpointAddress', 2), 'targetRef');
    assert.equal(name('core.EndpointAddress', 4), 'nodeName');
    assert.equal(name('core.EndpointPort', 4), 'appProtocol');
    assert.equal(name('autoscaling.MetricSpec', 7), 'containerResource');
    assert.equal(name('autoscaling.MetricSpec', 5), 'external');
    assert.equal(name('autoscaling.MetricStatus', 7), 'containerResource');
    assert.equal(name('autoscaling.HPAScalingRules', 3), 'stabilizationWindowSeconds');
    assert.equal(name('autoscaling.ObjectMetricSource', 3), 'metric');
    assert.equal(name('autoscaling.ObjectMetricStatus', 3), 'describedObject');
    assert.equal(name('autoscalingv1.HorizontalPodAutoscalerSpec', 4), 'targetCPUUtilizationPercentage');
    assert.equal(name('autoscalingv1.HorizontalPodAutoscalerStatus', 5), 'currentCPUUtilizationPercentage');
  });
});

describe('times as Kubernetes writes them', () => {
  it('writes metav1.Time in whole seconds and MicroTime with microseconds, found by the schema', () => {
    const pod = {
      metadata: { name: 'p', creationTimestamp: '2026-12-05T19:51:44.670Z' },
      status: {
        conditions: [{ type: 'Ready', lastTransitionTime: '2026-12-05T19:51:45.001Z' }],
        containerStatuses: [{ name: 'c', state: { running: { startedAt: '2026-12-05T19:51:46.5Z' } } }],
      },
    };
    writeKubernetesTimes('Pod', pod);
    assert.equal(pod.metadata.creationTimestamp, '2026-12-05T19:51:44Z');
    assert.equal(pod.status.conditions[0]?.lastTransitionTime, '2026-12-05T19:51:45Z');
    assert.equal(pod.status.containerStatuses[0]?.state.running.startedAt, '2026-12-05T19:51:46Z');
    const lease = {
      metadata: { creationTimestamp: '2026-12-05T19:51:44Z' },
      spec: { renewTime: '2026-12-05T19:51:44.67Z' },
    };
    writeKubernetesTimes('Lease', lease);
    assert.equal(lease.spec.renewTime, '2026-12-05T19:51:44.670000Z');
    const other = {
      metadata: { creationTimestamp: '2026-12-05T19:51:44.670Z' },
      spec: { at: '2026-12-05T19:51:44.670Z' },
    };
    writeKubernetesTimes('MutatingWebhookConfiguration', other);
    assert.deepEqual(other, {
      metadata: { creationTimestamp: '2026-12-05T19:51:44Z' },
      spec: { at: '2026-12-05T19:51:44.670Z' },
    });
  });
});
