import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldsOf, messageType } from '../manifest/schema.js';
import { patchStrategies } from './patch-strategy.js';
import { applyStrategicMergePatch, type JsonObject, PatchError } from './strategic-merge.js';
import { createTwoWayMergePatch } from './three-way.js';

const deployment = (spec: JsonObject): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'patch-demo' },
  spec,
});
const podTemplate = (spec: JsonObject): JsonObject => ({
  replicas: 2,
  template: { metadata: { labels: { app: 'nginx' } }, spec },
});
const pod = (spec: JsonObject, metadata: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', ...metadata },
  spec,
});

interface Case {
  name: string;
  kind: string;
  original: JsonObject;
  patch: JsonObject;
  result: JsonObject;
}

/** Most from Kubernetes' "Update API Objects in Place Using kubectl patch" and the strategic merge patch design. */
const cases: Case[] = [
  {
    name: 'containers merge by name: a new container is added beside the old one',
    kind: 'Deployment',
    original: deployment(podTemplate({ containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] })),
    patch: { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } },
    // As in the Kubernetes documentation: a new element goes before live-only ones.
    result: deployment(
      podTemplate({
        containers: [
          { name: 'patch-demo-ctr-2', image: 'redis' },
          { name: 'patch-demo-ctr', image: 'nginx' },
        ],
      }),
    ),
  },
  {
    name: "one container's image changes, the other container is untouched",
    kind: 'Pod',
    original: pod({
      containers: [
        { name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] },
        { name: 'log', image: 'busybox', args: ['tail'] },
      ],
    }),
    patch: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    result: pod({
      containers: [
        { name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
        { name: 'log', image: 'busybox', args: ['tail'] },
      ],
    }),
  },
  {
    name: 'tolerations have no merge strategy: the list is replaced',
    kind: 'Deployment',
    original: deployment(
      podTemplate({
        containers: [{ name: 'c', image: 'nginx' }],
        tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
      }),
    ),
    patch: {
      spec: {
        template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } },
      },
    },
    result: deployment(
      podTemplate({
        containers: [{ name: 'c', image: 'nginx' }],
        tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }],
      }),
    ),
  },
  {
    name: 'env merges by name inside a container',
    kind: 'Pod',
    original: pod({
      containers: [
        {
          name: 'web',
          image: 'nginx',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
      ],
    }),
    patch: {
      spec: {
        containers: [
          {
            name: 'web',
            env: [
              { name: 'B', value: 'two' },
              { name: 'C', value: '3' },
            ],
          },
        ],
      },
    },
    result: pod({
      containers: [
        {
          name: 'web',
          image: 'nginx',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: 'two' },
            { name: 'C', value: '3' },
          ],
        },
      ],
    }),
  },
  {
    name: 'ports merge by containerPort, volumeMounts by mountPath',
    kind: 'Pod',
    original: pod({
      containers: [
        {
          name: 'web',
          ports: [{ containerPort: 80, name: 'http' }],
          volumeMounts: [{ mountPath: '/data', name: 'data' }],
        },
      ],
    }),
    patch: {
      spec: {
        containers: [
          {
            name: 'web',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            volumeMounts: [{ mountPath: '/cache', name: 'cache' }],
          },
        ],
      },
    },
    result: pod({
      containers: [
        {
          name: 'web',
          ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
          volumeMounts: [
            { mountPath: '/cache', name: 'cache' },
            { mountPath: '/data', name: 'data' },
          ],
        },
      ],
    }),
  },
  {
    name: '$patch: delete removes the container with that name',
    kind: 'Pod',
    original: pod({
      containers: [
        { name: 'web', image: 'nginx' },
        { name: 'log', image: 'busybox' },
      ],
    }),
    patch: { spec: { containers: [{ name: 'log', $patch: 'delete' }] } },
    result: pod({ containers: [{ name: 'web', image: 'nginx' }] }),
  },
  {
    name: '$patch: replace as a list element replaces the whole list',
    kind: 'Pod',
    original: pod({
      containers: [
        { name: 'web', image: 'nginx' },
        { name: 'log', image: 'busybox' },
      ],
    }),
    patch: { spec: { containers: [{ name: 'only', image: 'redis' }, { $patch: 'replace' }] } },
    result: pod({ containers: [{ name: 'only', image: 'redis' }] }),
  },
  {
    name: '$patch: replace in an object replaces it instead of merging',
    kind: 'Pod',
    original: pod({ containers: [], nodeSelector: { disk: 'ssd', zone: 'a' } }),
    patch: { spec: { nodeSelector: { $patch: 'replace', zone: 'b' } } },
    result: pod({ containers: [], nodeSelector: { zone: 'b' } }),
  },
  {
    name: '$patch: delete in an object empties it',
    kind: 'Pod',
    original: pod({ containers: [], nodeSelector: { disk: 'ssd' } }, { labels: { a: '1', b: '2' } }),
    patch: { metadata: { labels: { $patch: 'delete' } } },
    result: pod({ containers: [], nodeSelector: { disk: 'ssd' } }, { labels: {} }),
  },
  {
    name: '$patch: merge is the default spelt out',
    kind: 'Pod',
    original: pod({ containers: [] }, { labels: { a: '1' } }),
    patch: { metadata: { labels: { $patch: 'merge', b: '2' } } },
    result: pod({ containers: [] }, { labels: { a: '1', b: '2' } }),
  },
  {
    name: 'a deployment strategy without $retainKeys keeps rollingUpdate',
    kind: 'Deployment',
    original: deployment({
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    }),
    patch: { spec: { strategy: { type: 'Recreate' } } },
    result: deployment({
      strategy: { type: 'Recreate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    }),
  },
  {
    name: '$retainKeys clears every key it does not list',
    kind: 'Deployment',
    original: deployment({
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    }),
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    result: deployment({ strategy: { type: 'Recreate' } }),
  },
  {
    name: '$retainKeys in a volume switches its source',
    kind: 'Pod',
    original: pod({
      containers: [],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'other', emptyDir: {} },
      ],
    }),
    patch: {
      spec: { volumes: [{ name: 'data', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' } }] },
    },
    result: pod({
      containers: [],
      volumes: [
        { name: 'data', hostPath: { path: '/srv' } },
        { name: 'other', emptyDir: {} },
      ],
    }),
  },
  {
    name: 'finalizers merge as a set; $deleteFromPrimitiveList removes one',
    kind: 'Pod',
    original: pod({ containers: [] }, { finalizers: ['a/x', 'b/y'] }),
    patch: { metadata: { finalizers: ['c/z', 'a/x'], '$deleteFromPrimitiveList/finalizers': ['b/y'] } },
    result: pod({ containers: [] }, { finalizers: ['c/z', 'a/x'] }),
  },
  {
    name: 'ownerReferences merge by uid',
    kind: 'Pod',
    original: pod(
      { containers: [] },
      { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' }] },
    ),
    patch: { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } },
    result: pod(
      { containers: [] },
      {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true },
        ],
      },
    ),
  },
  {
    name: '$setElementOrder orders the merged list; a live-only element stays before its live successor',
    kind: 'Pod',
    original: pod({
      containers: [
        { name: 'a', image: '1' },
        { name: 'sidecar', image: 's' },
        { name: 'b', image: '2' },
      ],
    }),
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
        containers: [{ name: 'a', image: 'one' }],
      },
    },
    result: pod({
      containers: [
        { name: 'sidecar', image: 's' },
        { name: 'b', image: '2' },
        { name: 'a', image: 'one' },
      ],
    }),
  },
  {
    name: 'null deletes a key; null for a missing key is ignored',
    kind: 'Pod',
    original: pod({ containers: [] }, { labels: { app: 'web', tier: 'front' } }),
    patch: { metadata: { labels: { tier: null, missing: null } } },
    result: pod({ containers: [] }, { labels: { app: 'web' } }),
  },
  {
    name: 'status conditions merge by type',
    kind: 'Pod',
    original: {
      ...pod({ containers: [] }),
      status: {
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
      },
    },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    result: {
      ...pod({ containers: [] }),
      status: {
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
      },
    },
  },
  {
    name: 'node addresses merge by type; taints are replaced',
    kind: 'Node',
    original: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
    },
    patch: {
      spec: { taints: [{ key: 'b', effect: 'NoExecute' }] },
      status: { addresses: [{ type: 'Hostname', address: 'n1' }] },
    },
    result: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      spec: { taints: [{ key: 'b', effect: 'NoExecute' }] },
      status: {
        addresses: [
          { type: 'Hostname', address: 'n1' },
          { type: 'InternalIP', address: '10.0.0.1' },
        ],
      },
    },
  },
  {
    name: "a PodDisruptionBudget's selector is replaced, not merged",
    kind: 'PodDisruptionBudget',
    original: { spec: { selector: { matchLabels: { app: 'a', tier: 'x' } }, minAvailable: 1 } },
    patch: { spec: { selector: { matchLabels: { app: 'b' } } } },
    result: { spec: { selector: { matchLabels: { app: 'b' } }, minAvailable: 1 } },
  },
  {
    name: 'RBAC rules have no merge key: the list is replaced',
    kind: 'Role',
    original: { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    patch: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] },
    result: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] },
  },
  {
    name: 'a kind with no strategies patches as a JSON merge patch',
    kind: 'NoSuchKind',
    original: { items: [{ name: 'a' }], keep: 1 },
    patch: { items: [{ name: 'b' }] },
    result: { items: [{ name: 'b' }], keep: 1 },
  },
  {
    name: 'a list added where there was none loses its directives and nulls',
    kind: 'Pod',
    original: pod({}),
    patch: {
      spec: {
        containers: [
          { name: 'gone', $patch: 'delete' },
          { name: 'web', image: 'nginx', env: [{ name: 'A', value: null }] },
        ],
      },
    },
    result: pod({ containers: [{ name: 'web', image: 'nginx', env: [{ name: 'A' }] }] }),
  },
  {
    name: 'configmap data patches key by key',
    kind: 'ConfigMap',
    original: { data: { a: '1', b: '2' } },
    patch: { data: { b: null, c: '3' } },
    result: { data: { a: '1', c: '3' } },
  },
];

describe('applyStrategicMergePatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      const original = structuredClone(c.original);
      const patch = structuredClone(c.patch);
      assert.deepEqual(applyStrategicMergePatch(c.kind, original, patch), c.result);
      assert.deepEqual(original, c.original, 'the original is not mutated');
      assert.deepEqual(patch, c.patch, 'the patch is not mutated');
    });
  }

  const errors: {
    name: string;
    kind: string;
    original: JsonObject;
    patch: JsonObject;
    path: string;
    message: RegExp;
  }[] = [
    {
      name: 'an unknown $patch directive',
      kind: 'Pod',
      original: pod({ containers: [] }),
      patch: { spec: { $patch: 'explode' } },
      path: 'spec',
      message: /unknown \$patch directive "explode"/,
    },
    {
      name: 'a $patch: delete element without its merge key',
      kind: 'Pod',
      original: pod({ containers: [{ name: 'web' }] }),
      patch: { spec: { containers: [{ $patch: 'delete', image: 'x' }] } },
      path: 'spec.containers[0]',
      message: /must name the name/,
    },
    {
      name: 'an element of a merging list without its merge key',
      kind: 'Pod',
      original: pod({ containers: [{ name: 'web', ports: [{ containerPort: 80 }] }] }),
      patch: { spec: { containers: [{ name: 'web', ports: [{ protocol: 'UDP' }] }] } },
      path: 'spec.containers[name=web].ports[0]',
      message: /has no containerPort/,
    },
    {
      name: 'a key set by a patch that its $retainKeys does not list',
      kind: 'Deployment',
      original: deployment({ strategy: { type: 'RollingUpdate' } }),
      patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } },
      path: 'spec.strategy',
      message: /\$retainKeys does not list it/,
    },
    {
      name: 'a $deleteFromPrimitiveList that is not a list',
      kind: 'Pod',
      original: pod({ containers: [] }, { finalizers: ['a'] }),
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
      path: 'metadata.finalizers',
      message: /must be a list/,
    },
    {
      name: 'a $setElementOrder list that leaves out an element the patch sets',
      kind: 'Pod',
      original: pod({ containers: [{ name: 'a' }] }),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b' }] } },
      path: 'spec.containers',
      message: /disagree/,
    },
    {
      name: 'a merging list that mixes objects and primitives',
      kind: 'Pod',
      original: pod({ containers: [{ name: 'a' }] }),
      patch: { spec: { containers: ['b'] } },
      path: 'spec.containers',
      message: /mixes objects and primitives/,
    },
  ];
  for (const e of errors) {
    it(`rejects ${e.name}`, () => {
      assert.throws(
        () => applyStrategicMergePatch(e.kind, e.original, e.patch),
        (err: unknown) => {
          assert.ok(err instanceof PatchError, String(err));
          assert.equal(err.path, e.path);
          assert.match(err.message, e.message);
          return true;
        },
      );
    });
  }
});

describe('keys that name Object.prototype members', () => {
  it('are data like any other key', () => {
    const original = JSON.parse('{"data":{"constructor":"1","__proto__":"2"}}') as JsonObject;
    const patch = JSON.parse('{"data":{"__proto__":"3","toString":"4","constructor":null}}') as JsonObject;
    const result = applyStrategicMergePatch('ConfigMap', original, patch);
    const data = result.data as JsonObject;
    assert.deepEqual(Object.keys(data).sort(), ['__proto__', 'toString']);
    assert.equal(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, '3');
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    const back = createTwoWayMergePatch('ConfigMap', result, original);
    assert.deepEqual(JSON.stringify(back), '{"data":{"constructor":"1","__proto__":"2","toString":null}}');
  });
});

describe('patch strategies', () => {
  it('name only messages and fields that exist in the API', () => {
    for (const [message, fields] of Object.entries(patchStrategies)) {
      const known = fieldsOf(messageType(message));
      for (const [field, meta] of Object.entries(fields)) {
        assert.ok(known.has(field), `${message} has no field ${field}`);
        const desc = known.get(field)!;
        if (meta.strategy === 'merge')
          assert.equal(desc.fieldKind, 'list', `${message}.${field} merges as a list`);
        if (meta.mergeKey) {
          assert.ok(
            desc.fieldKind === 'list' && desc.listKind === 'message',
            `${message}.${field} lists objects`,
          );
          assert.ok(
            fieldsOf(desc.message).has(meta.mergeKey),
            `${message}.${field} elements have ${meta.mergeKey}`,
          );
        }
      }
    }
  });
});
