/**
 * `node --import tsx bench/pod-codec.ts`: what a Pod costs to decode and encode in
 * Protobuf, in µs of CPU per operation, for a running Pod as the control plane holds it
 * (created by a controller, its status written by a kubelet, so two managed-fields
 * entries) beside the same Pod without its managed fields, in the same run. Every
 * component decodes each Pod it watches, and the apiserver decodes and encodes it on each
 * write: this is the cost managed fields add to each of those. `encode` starts from a
 * fresh writer, as `Pod.encode(pod).finish()` does; `serialize` is what a gRPC message
 * costs, through the writer encodeToBuffer reuses (sdk/wire/encode-to-buffer.ts).
 */
import { loadavg } from 'node:os';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { kindFor } from '../sdk/kinds.js';
import { decodeObject } from '../sdk/manifest/index.js';
import { encodeToBuffer } from '../sdk/wire/encode-to-buffer.js';

const info = kindFor('v1', 'Pod');
if (!info) throw new Error('the kind table has no Pod');

const condition = {
  '.': {},
  'f:lastProbeTime': {},
  'f:lastTransitionTime': {},
  'f:status': {},
  'f:type': {},
};
const manifest = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-7d9c8b5f6d-x2k4p',
    generateName: 'web-7d9c8b5f6d-',
    namespace: 'default',
    uid: '5b1a3d0e-8f61-4f9a-9a0e-0c7f3c1d2e4b',
    resourceVersion: '123456',
    labels: { app: 'web', 'pod-template-hash': '7d9c8b5f6d' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-7d9c8b5f6d',
        uid: 'c2f0b7a4',
        controller: true,
      },
    ],
    managedFields: [
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-03-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': {
            'f:generateName': {},
            'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} },
            'f:ownerReferences': { '.': {}, 'k:{"uid":"c2f0b7a4"}': {} },
          },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:resources': { '.': {}, 'f:requests': { '.': {}, 'f:cpu': {}, 'f:memory': {} } },
              },
            },
            'f:restartPolicy': {},
            'f:schedulerName': {},
            'f:terminationGracePeriodSeconds': {},
          },
        },
      },
      {
        manager: 'kubelet',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-03-01T10:00:02Z',
        fieldsType: 'FieldsV1',
        subresource: 'status',
        fieldsV1: {
          'f:status': {
            'f:conditions': {
              'k:{"type":"ContainersReady"}': condition,
              'k:{"type":"Initialized"}': condition,
              'k:{"type":"Ready"}': condition,
            },
            'f:containerStatuses': {},
            'f:hostIP': {},
            'f:phase': {},
            'f:podIP': {},
            'f:podIPs': { '.': {}, 'k:{"ip":"10.244.1.7"}': { '.': {}, 'f:ip': {} } },
            'f:startTime': {},
          },
        },
      },
    ],
  },
  spec: {
    nodeName: 'node-1',
    containers: [
      { name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
    ],
  },
  status: { phase: 'Running', podIP: '10.244.1.7', hostIP: '10.0.0.1' },
};

const withFields = decodeObject(info, manifest) as Pod;
const without = Pod.fromPartial({ ...withFields, metadata: { ...withFields.metadata, managedFields: [] } });

/** µs of CPU per call of `f`, the better of two halves after a warm-up. */
function measure(f: () => unknown): number {
  const n = 20_000;
  for (let i = 0; i < n / 10; i++) f();
  const half = () => {
    const start = process.cpuUsage();
    for (let i = 0; i < n / 2; i++) f();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / (n / 2);
  };
  return Math.min(half(), half());
}

for (const [label, pod] of [
  ['with managed fields', withFields],
  ['without', without],
] as const) {
  const bytes = Pod.encode(pod).finish();
  const decode = measure(() => Pod.decode(bytes));
  const encode = measure(() => Pod.encode(pod).finish());
  const serialize = measure(() => encodeToBuffer(Pod, pod));
  console.log(
    `${label.padEnd(20)} ${String(bytes.length).padStart(5)} bytes   decode ${decode.toFixed(1).padStart(5)} µs   encode ${encode.toFixed(1).padStart(5)} µs   serialize ${serialize.toFixed(1).padStart(5)} µs`,
  );
}
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
