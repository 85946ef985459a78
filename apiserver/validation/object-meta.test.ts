import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { errorMessage } from './field-error.js';
import { FieldPath } from './field-path.js';
import { type ObjectMetaRules, validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end " +
  "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const namespaced: ObjectMetaRules = { namespaced: true, nameRule: 'subdomain' };
const clusterScoped: ObjectMetaRules = { namespaced: false, nameRule: 'subdomain' };
const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u-1' };

describe('validateObjectMeta', () => {
  const cases: [
    name: string,
    meta: Partial<ObjectMeta> | undefined,
    rules: ObjectMetaRules,
    messages: string[],
  ][] = [
    ['valid namespaced', { name: 'web', namespace: 'default' }, namespaced, []],
    ['valid cluster-scoped', { name: 'node-1.example' }, clusterScoped, []],
    ['absent', undefined, namespaced, ['metadata: Required value']],
    [
      'no name',
      { namespace: 'default' },
      namespaced,
      ['metadata.name: Required value: name or generateName is required'],
    ],
    [
      'bad name',
      { name: 'Web', namespace: 'default' },
      namespaced,
      [`metadata.name: Invalid value: "Web": ${subdomainMsg}`],
    ],
    [
      'label rule',
      { name: 'a.b' },
      { namespaced: false, nameRule: 'label' },
      ['metadata.name: Invalid value: "a.b": must not contain dots'],
    ],
    ['path-segment rule', { name: 'system:x' }, { namespaced: false, nameRule: 'path-segment' }, []],
    [
      'path-segment rule refuses a slash',
      { name: 'a/b' },
      { namespaced: false, nameRule: 'path-segment' },
      ['metadata.name: Invalid value: "a/b": may not contain \'/\''],
    ],
    [
      'custom rule',
      { name: 'x' },
      { namespaced: false, nameRule: (name) => (name.length < 2 ? ['too short'] : []) },
      ['metadata.name: Invalid value: "x": too short'],
    ],
    [
      'generateName with a trailing dash',
      { name: 'web-x1', generateName: 'web-', namespace: 'ns' },
      namespaced,
      [],
    ],
    [
      'bad generateName',
      { name: 'web-x1', generateName: 'Web-', namespace: 'ns' },
      namespaced,
      [`metadata.generateName: Invalid value: "Web-": ${subdomainMsg}`],
    ],
    ['missing namespace', { name: 'web' }, namespaced, ['metadata.namespace: Required value']],
    [
      'bad namespace',
      { name: 'web', namespace: 'Team_A' },
      namespaced,
      [`metadata.namespace: Invalid value: "Team_A": ${labelMsg}`],
    ],
    [
      'namespace on a cluster-scoped kind',
      { name: 'n1', namespace: 'default' },
      clusterScoped,
      ['metadata.namespace: Forbidden: not allowed on this type'],
    ],
    [
      'negative generation',
      { name: 'n1', generation: '-1' },
      clusterScoped,
      ['metadata.generation: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'bad label value',
      { name: 'n1', labels: { app: 'a b' } },
      clusterScoped,
      [
        'metadata.labels[app]: Invalid value: "a b": a valid label must be an empty string or consist of ' +
          "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
          "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
          "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      'annotations too large',
      { name: 'n1', annotations: { big: 'x'.repeat(256 * 1024) } },
      clusterScoped,
      ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    ],
    [
      'valid owner references',
      {
        name: 'p',
        namespace: 'ns',
        ownerReferences: [
          { ...owner, controller: true },
          { ...owner, name: 'other' },
        ],
      },
      namespaced,
      [],
    ],
    [
      'incomplete owner reference',
      { name: 'p', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/', kind: '', name: '', uid: '' }] },
      namespaced,
      [
        'metadata.ownerReferences[0].apiVersion: Invalid value: "apps/": version must not be empty',
        'metadata.ownerReferences[0].kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences[0].name: Invalid value: "": must not be empty',
        'metadata.ownerReferences[0].uid: Invalid value: "": must not be empty',
      ],
    ],
    [
      'two controllers',
      {
        name: 'p',
        namespace: 'ns',
        ownerReferences: [
          { ...owner, controller: true },
          { ...owner, kind: 'Deployment', name: 'web', controller: true },
        ],
      },
      namespaced,
      [
        'metadata.ownerReferences[1].controller: Invalid value: true: Only one reference can have Controller set ' +
          'to true. Found "true" in references for ReplicaSet/web-abc and Deployment/web',
      ],
    ],
    [
      'valid finalizers',
      { name: 'p', namespace: 'ns', finalizers: ['example.com/cleanup', 'foregroundDeletion'] },
      namespaced,
      [],
    ],
    [
      'unqualified finalizer',
      { name: 'p', namespace: 'ns', finalizers: ['cleanup'] },
      namespaced,
      [
        'metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
      ],
    ],
    [
      'orphan and foreground together',
      { name: 'p', namespace: 'ns', finalizers: ['orphan', 'foregroundDeletion'] },
      namespaced,
      [
        'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
      ],
    ],
  ];
  for (const [name, meta, rules, messages] of cases) {
    it(name, () => {
      const m = meta === undefined ? undefined : ObjectMeta.fromPartial(meta);
      assert.deepEqual(validateObjectMeta(m, rules).map(errorMessage), messages);
    });
  }

  it('reports under the path it is given', () => {
    const path = FieldPath.of('spec', 'template', 'metadata');
    assert.deepEqual(
      validateObjectMeta(
        ObjectMeta.fromPartial({ name: 'x', labels: { 'a b': '' } }),
        clusterScoped,
        path,
      ).map((e) => e.path),
      ['spec.template.metadata.labels'],
    );
  });
});

describe('validateObjectMetaUpdate', () => {
  const created = new Date(Date.UTC(2024, 0, 1));
  const old = ObjectMeta.fromPartial({
    name: 'web',
    namespace: 'default',
    uid: 'u-1',
    resourceVersion: '7',
    generation: '3',
    creationTimestamp: created,
    finalizers: ['example.com/a'],
  });
  const deleting = ObjectMeta.fromPartial({ ...old, deletionTimestamp: new Date(Date.UTC(2024, 0, 2)) });
  const cases: [name: string, next: Partial<ObjectMeta>, previous: ObjectMeta, messages: string[]][] = [
    ['unchanged', {}, old, []],
    ['labels may change', { labels: { app: 'x' }, generation: '4' }, old, []],
    [
      'same creation time in another Date object',
      { creationTimestamp: new Date(created.getTime()) },
      old,
      [],
    ],
    ['name', { name: 'db' }, old, ['metadata.name: Invalid value: "db": field is immutable']],
    [
      'namespace',
      { namespace: 'other' },
      old,
      ['metadata.namespace: Invalid value: "other": field is immutable'],
    ],
    ['uid', { uid: 'u-2' }, old, ['metadata.uid: Invalid value: "u-2": field is immutable']],
    [
      'creationTimestamp',
      { creationTimestamp: new Date(Date.UTC(2025, 0, 1)) },
      old,
      ['metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00.000Z": field is immutable'],
    ],
    [
      'creationTimestamp removed',
      { creationTimestamp: undefined },
      old,
      ['metadata.creationTimestamp: Invalid value: null: field is immutable'],
    ],
    [
      'deletionTimestamp set by a client',
      { deletionTimestamp: new Date(Date.UTC(2024, 5, 1)) },
      old,
      ['metadata.deletionTimestamp: Invalid value: "2024-06-01T00:00:00.000Z": field is immutable'],
    ],
    [
      'deletionGracePeriodSeconds',
      { deletionGracePeriodSeconds: '30' },
      old,
      ['metadata.deletionGracePeriodSeconds: Invalid value: "30": field is immutable'],
    ],
    [
      'no resourceVersion',
      { resourceVersion: '' },
      old,
      ['metadata.resourceVersion: Invalid value: "": must be specified for an update'],
    ],
    [
      'generation decremented',
      { generation: '2' },
      old,
      ['metadata.generation: Invalid value: 2: must not be decremented'],
    ],
    ['finalizers removed while deleting', { ...deleting, finalizers: [] }, deleting, []],
    [
      'finalizers added while deleting',
      { ...deleting, finalizers: ['example.com/a', 'example.com/c', 'example.com/b'] },
      deleting,
      [
        'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, ' +
          'found new finalizers ["example.com/b","example.com/c"]',
      ],
    ],
    ['finalizers added while alive', { finalizers: ['example.com/a', 'example.com/b'] }, old, []],
    [
      'invalid new labels',
      { labels: { '-x': '' } },
      old,
      [
        "metadata.labels: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or " +
          "'.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " +
          "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
  ];
  for (const [name, next, previous, messages] of cases) {
    it(name, () => {
      const updated = ObjectMeta.fromPartial({ ...previous, ...next });
      if ('creationTimestamp' in next && next.creationTimestamp === undefined)
        delete updated.creationTimestamp;
      assert.deepEqual(validateObjectMetaUpdate(updated, previous).map(errorMessage), messages);
    });
  }
});
