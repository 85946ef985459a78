import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { Deployment } from '../gen/wheelhouse/apps/v1/deployment.js';
import type { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';
import type { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import type { Secret } from '../gen/wheelhouse/core/v1/secret.js';
import { kindFor, kinds } from '../kinds.js';
import { decodeObject, encodeObject, ManifestError, parseManifests, toJson, toYaml } from './index.js';

const testdata = new URL('./testdata/', import.meta.url);
const fixtures = readdirSync(testdata).filter((f) => f.endsWith('.yaml'));
const read = (name: string) => readFileSync(new URL(name, testdata), 'utf8');

/** Resource lists: Kubernetes quantities, where `cpu: 1` and `cpu: "1"` are the same. */
const quantityMaps = new Set([
  'limits',
  'requests',
  'capacity',
  'allocatable',
  'hard',
  'used',
  'max',
  'min',
  'default',
  'defaultRequest',
  'maxLimitRequestRatio',
  'overhead',
  'allocatedResources',
]);
const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * What a round trip may change and Kubernetes treats as the same: numbers in
 * resource lists become quantity strings; null and [] are unset (Protobuf has no
 * presence for lists); times are compared as instants, to the millisecond the
 * generated types keep.
 */
function normalise(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (typeof value === 'string' && time.test(value)) return new Date(value).toISOString();
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = quantityMaps.has(key) && typeof v === 'number' ? String(v) : normalise(v, k);
  }
  return out;
}

function yamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((d) => d !== null);
}

/** The typed object of the index-th object in a fixture. */
function fixture<T>(file: string, index = 0): T {
  const parsed = parseManifests(read(file), file)[index];
  assert.ok(parsed, `${file} has no object ${index}`);
  return parsed.object as T;
}

function manifestError(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ManifestError, `expected a ManifestError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ManifestError');
}

describe('manifest round trip', () => {
  it('has a fixture for every kind in the kind table', () => {
    const covered = new Set(fixtures.flatMap((f) => parseManifests(read(f), f).map((o) => o.info.kind)));
    assert.deepEqual(
      kinds.map((k) => k.kind).filter((k) => !covered.has(k)),
      [],
    );
  });

  for (const file of fixtures) {
    it(`${file}: YAML → typed → YAML keeps every field`, () => {
      const text = read(file);
      const objects = parseManifests(text, file);
      const printed = toYaml(objects);
      assert.deepEqual(normalise(yamlDocuments(printed)), normalise(yamlDocuments(text)));
      // Printing is stable: the printed text reads back to the same objects.
      assert.deepEqual(
        parseManifests(printed).map((o) => o.object),
        objects.map((o) => o.object),
      );
    });
  }

  it('reads IntOrString, quantities, int64 and bytes into the generated types', () => {
    const deployment = fixture<Deployment>('deployment.yaml');
    assert.deepEqual(deployment.spec?.strategy?.rollingUpdate?.maxSurge, {
      value: { $case: 'strVal', value: '25%' },
    });
    assert.deepEqual(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable, {
      value: { $case: 'intVal', value: 0 },
    });
    assert.deepEqual(fixture<Deployment>('deployment.yaml', 1).spec?.strategy?.rollingUpdate?.maxSurge, {
      value: { $case: 'intVal', value: 1 },
    });
    const nginx = deployment.spec?.template?.spec?.containers[0];
    assert.deepEqual(nginx?.livenessProbe?.httpGet?.port?.value, { $case: 'intVal', value: 8080 });
    assert.deepEqual(nginx?.readinessProbe?.httpGet?.port?.value, { $case: 'strVal', value: 'http' });
    assert.deepEqual(nginx?.resources?.limits, { cpu: '1', memory: '256Mi', 'ephemeral-storage': '1Gi' });
    assert.deepEqual(nginx?.resources?.requests, { cpu: '100m', memory: '128Mi' });
    assert.equal(deployment.status?.observedGeneration, '7');
    assert.equal(deployment.spec?.template?.spec?.securityContext?.runAsUser, '101');

    const secret = fixture<Secret>('secret.yaml');
    assert.equal(Buffer.from(secret.data.username ?? []).toString(), 'admin');
    assert.equal(secret.stringData.host, 'db.shop.svc');

    const pod = fixture<Pod>('pod.yaml');
    assert.equal(pod.metadata?.creationTimestamp?.toISOString(), '2024-05-01T12:00:00.000Z');
    assert.equal(pod.spec?.hostAliases[0]?.ip, '127.0.0.1');
  });

  it('writes manifests back in Kubernetes form', () => {
    const [web] = parseManifests(read('deployment.yaml'));
    assert.ok(web);
    const json = encodeObject(web.info, web.object);
    assert.deepEqual(Object.keys(json), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    const spec = json.spec as {
      strategy: { rollingUpdate: unknown };
      template: { spec: { containers: unknown[] } };
    };
    assert.deepEqual(spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: '25%' });
    const probe = (spec.template.spec.containers[0] as { livenessProbe: { httpGet: { port: unknown } } })
      .livenessProbe;
    assert.equal(probe.httpGet.port, 8080);
    assert.equal((json.status as { observedGeneration: unknown }).observedGeneration, 7);
    assert.match(toYaml([web]), /^ {4}rollingUpdate:\n {6}maxUnavailable: 0\n {6}maxSurge: 25%$/m);
    assert.match(toYaml([web]), /^ {6}lastUpdateTime: "2024-05-01T12:00:00Z"$/m);
  });

  it('quotes strings that YAML 1.1 readers would take for something else', () => {
    const [config] = parseManifests(
      '{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: "yes", b: "off", c: "1"}}',
    );
    assert.ok(config);
    const printed = toYaml([config]);
    assert.match(printed, /^ {2}a: "yes"\n {2}b: "off"\n {2}c: "1"$/m);
    assert.deepEqual(parseManifests(printed)[0]?.object, config.object);
  });

  it('keeps 64-bit integers past 2^53 as strings and times to the millisecond', () => {
    const [pod] = parseManifests(
      '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","generation":"9007199254740993"}}',
    );
    assert.ok(pod);
    assert.equal(
      (encodeObject(pod.info, pod.object).metadata as { generation: unknown }).generation,
      '9007199254740993',
    );
    assert.equal(fixture<Lease>('lease.yaml').spec?.renewTime?.toISOString(), '2024-05-01T12:00:05.123Z');
  });

  it('fills in apiVersion and kind of objects that come without them', () => {
    const info = kindFor('v1', 'ConfigMap');
    assert.ok(info);
    const object = decodeObject(info, { metadata: { name: 'c' }, data: { a: 'b' } });
    assert.equal(object.apiVersion, 'v1');
    assert.deepEqual(encodeObject(info, { ...object, apiVersion: '', kind: '' }), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: 'b' },
    });
  });

  it('prints JSON as the object itself or as a List', () => {
    const objects = parseManifests(read('namespace.yaml'));
    const one = JSON.parse(toJson(objects.slice(0, 1)));
    assert.equal(one.kind, 'Namespace');
    assert.equal(one.metadata.name, 'shop');
    const list = JSON.parse(toJson(objects));
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['shop', 'old'],
    );
    assert.equal(JSON.parse(toJson(objects.slice(0, 1), { list: true })).items.length, 1);
  });
});

describe('manifest documents', () => {
  it('skips empty documents and numbers the rest by their place in the file', () => {
    const text = '# nothing here\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n';
    const objects = parseManifests(text);
    assert.equal(objects.length, 1);
    assert.equal(objects[0]?.document, 2);
    assert.deepEqual(parseManifests(''), []);
  });

  it('reads JSON as well as YAML', () => {
    const [object] = parseManifests('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "j"}}');
    assert.equal(object?.object.metadata?.name, 'j');
  });

  it('resolves anchors, aliases and merge keys', () => {
    const text = `
apiVersion: v1
kind: Pod
metadata: {name: p, labels: &labels {app: web}}
spec:
  nodeSelector: *labels
  containers:
    - &base {name: a, image: busybox, imagePullPolicy: Always}
    - <<: *base
      name: b
`;
    const pod = parseManifests(text)[0]?.object as Pod;
    assert.deepEqual(pod.spec?.nodeSelector, { app: 'web' });
    assert.deepEqual(
      pod.spec?.containers.map((c) => [c.name, c.image, c.imagePullPolicy]),
      [
        ['a', 'busybox', 'Always'],
        ['b', 'busybox', 'Always'],
      ],
    );
  });

  it('expands kind: List and typed lists into their items', () => {
    const text = `
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
  - {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: r}}
---
apiVersion: v1
kind: PodList
metadata: {resourceVersion: "12"}
items:
  - metadata: {name: p}
`;
    const objects = parseManifests(text);
    assert.deepEqual(
      objects.map((o) => [o.info.kind, o.object.metadata?.name, o.document, o.item]),
      [
        ['ConfigMap', 'a', 1, 0],
        ['Role', 'r', 1, 1],
        ['Pod', 'p', 2, 0],
      ],
    );
  });
});

describe('manifest errors', () => {
  const deployment = (spec: string) =>
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: ${spec}\n`;

  it('names an unknown field by its full path and the document', () => {
    const err = manifestError(() =>
      parseManifests(
        deployment('{template: {spec: {containers: [{name: a, imagePullPolicyy: Always}]}}}'),
        'web.yaml',
      ),
    );
    assert.equal(
      err.message,
      'web.yaml: document 2 (Deployment web): unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
    );
    assert.equal(err.document, 2);
    assert.equal(err.source, 'web.yaml');
    assert.equal(err.path, 'spec.template.spec.containers[0].imagePullPolicyy');
  });

  it('refuses a misspelt top-level field', () => {
    const err = manifestError(() =>
      parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndatas: {}\n'),
    );
    assert.equal(err.message, 'document 1 (ConfigMap c): unknown field "datas"');
  });

  it('names an unknown kind and lists the supported ones', () => {
    const err = manifestError(() =>
      parseManifests('apiVersion: v1\nkind: Namespace\n---\napiVersion: apps/v1\nkind: Foo\n'),
    );
    assert.match(
      err.message,
      /^document 2 \(apiVersion apps\/v1, kind Foo\): unknown kind; supported: v1 Namespace, /,
    );
    assert.match(err.message, /apps\/v1 Deployment/);
    assert.match(err.message, /admissionregistration\.k8s\.io\/v1 ValidatingWebhookConfiguration/);
  });

  it('says under which apiVersion a known kind is served', () => {
    const err = manifestError(() => parseManifests('apiVersion: extensions/v1beta1\nkind: Deployment\n'));
    assert.equal(
      err.message,
      'document 1 (apiVersion extensions/v1beta1, kind Deployment): unknown kind; Deployment is served as apiVersion apps/v1',
    );
  });

  const wrongTypes: Array<[string, string]> = [
    ['{replicas: "3"}', 'spec.replicas: expected an integer, got string "3"'],
    ['{replicas: 2.5}', 'spec.replicas: expected an integer, got number 2.5'],
    ['{replicas: 4294967296}', 'spec.replicas: expected an integer between -2147483648 and 2147483647'],
    ['{paused: "yes"}', 'spec.paused: expected true or false, got string "yes"'],
    ['{selector: [app]}', 'spec.selector: expected an object, got a list'],
    ['{selector: {matchLabels: [app]}}', 'spec.selector.matchLabels: expected a map, got a list'],
    [
      '{template: {spec: {containers: {name: a}}}}',
      'spec.template.spec.containers: expected a list, got an object',
    ],
    [
      '{template: {spec: {containers: [{name: {a: b}}]}}}',
      'spec.template.spec.containers[0].name: expected a string',
    ],
    [
      '{strategy: {rollingUpdate: {maxSurge: true}}}',
      'spec.strategy.rollingUpdate.maxSurge: expected an integer or a string',
    ],
    [
      '{strategy: {rollingUpdate: {maxSurge: 1.5}}}',
      'spec.strategy.rollingUpdate.maxSurge: expected an integer or a string',
    ],
    [
      '{template: {spec: {containers: [{name: a, resources: {limits: {cpu: [1]}}}]}}}',
      'spec.template.spec.containers[0].resources.limits[cpu]: expected a string, got a list',
    ],
    [
      '{template: {spec: {containers: [{name: a, ports: [{containerPort: http}]}]}}}',
      'spec.template.spec.containers[0].ports[0].containerPort: expected an integer, got string "http"',
    ],
    [
      '{template: {spec: {containers: [null]}}}',
      'spec.template.spec.containers[0]: null is not allowed in a list',
    ],
    [
      '{template: {spec: {terminationGracePeriodSeconds: 1e300}}}',
      'spec.template.spec.terminationGracePeriodSeconds: expected an integer',
    ],
  ];
  for (const [spec, problem] of wrongTypes) {
    it(`refuses ${spec}`, () => {
      const err = manifestError(() => parseManifests(deployment(spec)));
      assert.ok(
        err.message.startsWith(`document 2 (Deployment web): ${problem}`),
        `message ${JSON.stringify(err.message)} does not start with the problem ${JSON.stringify(problem)}`,
      );
      assert.equal(err.document, 2);
      assert.ok(err.path && problem.startsWith(err.path), `path ${err.path}`);
    });
  }

  it('refuses bad base64 and bad times', () => {
    const secret = manifestError(() =>
      parseManifests('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: "not base64!"}\n'),
    );
    assert.equal(
      secret.message,
      'document 1 (Secret s): data[password]: expected base64-encoded data, got string "not base64!"',
    );
    const time = manifestError(() =>
      parseManifests('apiVersion: v1\nkind: Namespace\nmetadata: {name: n, creationTimestamp: yesterday}\n'),
    );
    assert.match(
      time.message,
      /^document 1 \(Namespace n\): metadata\.creationTimestamp: expected an RFC 3339 time/,
    );
  });

  it('refuses documents that are not objects of a kind', () => {
    assert.equal(
      manifestError(() => parseManifests('- a\n- b\n')).message,
      'document 1: expected an object with apiVersion and kind, got a list',
    );
    assert.equal(
      manifestError(() => parseManifests('kind: Pod\n')).message,
      'document 1: apiVersion is missing',
    );
    assert.equal(
      manifestError(() => parseManifests('apiVersion: v1\n')).message,
      'document 1: kind is missing',
    );
    assert.match(manifestError(() => parseManifests('a: [\n')).message, /^document 1: invalid YAML: /);
    assert.match(
      manifestError(() => parseManifests('a: 1\na: 2\n')).message,
      /^document 1: invalid YAML: Map keys must be unique/,
    );
  });

  it('locates errors inside a List by item', () => {
    const err = manifestError(() =>
      parseManifests(
        'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {nodeNam: x}}\n',
        'list.yaml',
      ),
    );
    assert.equal(err.message, 'list.yaml: document 1, item 0 (Pod p): unknown field "spec.nodeNam"');
    assert.equal(err.item, 0);
  });

  it('refuses an object whose apiVersion or kind is not the one asked for', () => {
    const info = kindFor('v1', 'Pod');
    assert.ok(info);
    assert.equal(
      manifestError(() =>
        decodeObject(info, { apiVersion: 'apps/v1', metadata: { name: 'p' } }, { source: 'stdin' }),
      ).message,
      'stdin: object (Pod p): apiVersion is string "apps/v1", expected "v1" for kind Pod',
    );
    assert.equal(
      manifestError(() => decodeObject(info, 'pod')).message,
      'object (Pod): expected an object, got string "pod"',
    );
  });
});
