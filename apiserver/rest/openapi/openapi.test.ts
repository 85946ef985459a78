import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { kinds } from '../../../sdk/kinds.js';
import { fieldsOf, messageType } from '../../../sdk/manifest/schema.js';
import { restSubresources } from '../subresources/index.js';
import type { RestRequest } from '../types.js';
import { buildV2Document } from './document-v2.js';
import { buildGroupVersionDocument, groupVersions, type OpenApiV3Document } from './document-v3.js';
import { createOpenApiDocuments } from './documents.js';
import { listMapKeys, quantityFields, requiredFields } from './field-tags.js';
import { encodeGnosticV2 } from './gnostic-v2.js';
import type { Operation } from './paths.js';
import { createOpenApiRoutes, v2ProtobufType, v2ProtobufTypeOld, v3ProtobufType } from './routes.js';
import type { Schema } from './schema.js';

const docs = new Map<string, OpenApiV3Document>();
function doc(group: string): OpenApiV3Document {
  let d = docs.get(group);
  if (!d) {
    const gv = groupVersions().find((g) => g.group === group);
    assert.ok(gv, `group ${group} is served`);
    d = buildGroupVersionDocument(gv);
    docs.set(group, d);
  }
  return d;
}

function schema(d: OpenApiV3Document, name: string): Schema {
  const s = d.components.schemas[name];
  assert.ok(s, `${name} is in the document`);
  return s;
}

function property(d: OpenApiV3Document, name: string, field: string): Schema {
  const p = schema(d, name).properties?.[field];
  assert.ok(p, `${name} has ${field}`);
  return p;
}

/** The schema name a property refers to, directly or through allOf. */
function refOf(s: Schema | undefined): string | undefined {
  const ref = s?.$ref ?? s?.allOf?.[0]?.$ref;
  return ref?.replace('#/components/schemas/', '');
}

describe('OpenAPI v3 generator', () => {
  it("gives a Pod's spec.containers the merge key name, as a map list", () => {
    const core = doc('');
    const containers = property(core, 'io.k8s.api.core.v1.PodSpec', 'containers');
    assert.equal(containers.type, 'array');
    assert.equal(refOf(containers.items), 'io.k8s.api.core.v1.Container');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(containers.description, 'At least one.');
    assert.deepEqual(schema(core, 'io.k8s.api.core.v1.PodSpec').required, ['containers']);
    assert.deepEqual(schema(core, 'io.k8s.api.core.v1.Container').required, ['name']);
    const volumes = property(core, 'io.k8s.api.core.v1.PodSpec', 'volumes');
    assert.equal(volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    const ports = property(core, 'io.k8s.api.core.v1.Container', 'ports');
    assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    const finalizers = property(core, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers');
    assert.equal(finalizers['x-kubernetes-list-type'], 'set');
    assert.equal(finalizers['x-kubernetes-patch-strategy'], 'merge');
  });

  it('names schemas as Kubernetes does and tags top-level kinds with their group-version-kind', () => {
    const core = doc('');
    const pod = schema(core, 'io.k8s.api.core.v1.Pod');
    assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
    assert.equal(refOf(pod.properties?.metadata), 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.match(pod.description ?? '', /group of containers/);
    const list = schema(core, 'io.k8s.api.core.v1.PodList');
    assert.deepEqual(list['x-kubernetes-group-version-kind'], [
      { group: '', version: 'v1', kind: 'PodList' },
    ]);
    assert.equal(refOf(list.properties?.items?.items), 'io.k8s.api.core.v1.Pod');
    const apps = doc('apps');
    assert.deepEqual(schema(apps, 'io.k8s.api.apps.v1.Deployment')['x-kubernetes-group-version-kind'], [
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ]);
    assert.deepEqual(schema(apps, 'io.k8s.api.autoscaling.v1.Scale')['x-kubernetes-group-version-kind'], [
      { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    ]);
    const rbac = doc('rbac.authorization.k8s.io');
    assert.ok(rbac.components.schemas['io.k8s.api.rbac.v1.ClusterRoleBinding']);
    assert.ok(rbac.paths['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}']);
  });

  it("types a Deployment's replicas as an integer and int-or-strings as both", () => {
    const apps = doc('apps');
    assert.deepEqual(property(apps, 'io.k8s.api.apps.v1.DeploymentSpec', 'replicas'), {
      ...property(apps, 'io.k8s.api.apps.v1.DeploymentSpec', 'replicas'),
      type: 'integer',
      format: 'int32',
    });
    const maxSurge = property(apps, 'io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge');
    assert.equal(refOf(maxSurge), 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    const intOrString = schema(apps, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(intOrString['x-kubernetes-int-or-string'], true);
    assert.equal(intOrString.format, 'int-or-string');
    assert.deepEqual(intOrString.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.equal(
      property(apps, 'io.k8s.api.apps.v1.DeploymentSpec', 'strategy')['x-kubernetes-patch-strategy'],
      'retainKeys',
    );
  });

  it('writes times as date-time strings, quantities as Quantity and maps as additionalProperties', () => {
    const core = doc('');
    const created = property(core, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'creationTimestamp');
    assert.equal(refOf(created), 'io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    const time = schema(core, 'io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    assert.equal(time.type, 'string');
    assert.equal(time.format, 'date-time');
    const labels = property(core, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'labels');
    assert.deepEqual(labels, { type: 'object', additionalProperties: { type: 'string' } });
    const limits = property(core, 'io.k8s.api.core.v1.ResourceRequirements', 'limits');
    assert.equal(limits.type, 'object');
    assert.equal(
      refOf(limits.additionalProperties as Schema),
      'io.k8s.apimachinery.pkg.api.resource.Quantity',
    );
    const sizeLimit = property(core, 'io.k8s.api.core.v1.EmptyDirVolumeSource', 'sizeLimit');
    assert.equal(refOf(sizeLimit), 'io.k8s.apimachinery.pkg.api.resource.Quantity');
    const secretData = property(core, 'io.k8s.api.core.v1.Secret', 'data');
    assert.deepEqual(secretData.additionalProperties, { type: 'string', format: 'byte' });
  });

  it("declares fieldValidation on every kind's PATCH, with its group-version-kind, so kubectl validates on the server", () => {
    for (const gv of groupVersions()) {
      const d = doc(gv.group);
      for (const info of gv.kinds) {
        const patches = Object.values(d.paths)
          .map((item) => item.patch)
          .filter((op) => op?.['x-kubernetes-group-version-kind'].kind === info.kind);
        assert.ok(patches.length > 0, `${info.kind} has a PATCH operation`);
        for (const op of patches) {
          assert.ok(op?.parameters?.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
        }
      }
    }
    const core = doc('');
    assert.equal(
      core.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.get?.operationId,
      'readCoreV1NamespacedPod',
    );
    assert.equal(core.paths['/api/v1/nodes/{name}/status']?.patch?.operationId, 'patchCoreV1NodeStatus');
    assert.equal(core.paths['/api/v1/pods']?.get?.operationId, 'listCoreV1PodForAllNamespaces');
  });

  it("describes the router's subresources, each method an operation, upgrades as connect", () => {
    for (const [key, sub] of restSubresources) {
      const [resource, name] = key.split('/');
      if (name === 'status' || name === 'scale') continue;
      const info = kinds.find((k) => k.resource === resource);
      if (!info) continue;
      const d = doc(info.apiGroup);
      const item = Object.entries(d.paths).find(([path]) =>
        path.endsWith(`/${resource}/{name}/${name}`),
      )?.[1];
      assert.ok(item, `${key} has a path`);
      for (const method of sub.methods) {
        const op: Operation | undefined = item[method.toLowerCase() as 'get' | 'post'];
        assert.ok(op, `${key} ${method}`);
        assert.equal(op['x-kubernetes-action'] === 'connect', sub.upgrade === true);
        if (sub.kind) assert.equal(op['x-kubernetes-group-version-kind'].kind, sub.kind.kind);
      }
    }
    if (restSubresources.has('pods/eviction')) {
      const eviction = doc('').paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction']?.post;
      assert.equal(eviction?.operationId, 'createCoreV1NamespacedPodEviction');
      assert.equal(
        refOf(eviction?.requestBody?.content['application/json']?.schema),
        'io.k8s.api.policy.v1.Eviction',
      );
    }
  });

  it('defines every schema a document refers to', () => {
    for (const gv of groupVersions()) {
      const d = doc(gv.group);
      const text = JSON.stringify(d);
      for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
        assert.ok(d.components.schemas[name ?? ''], `${gv.group || 'core'}: ${name} is defined`);
      }
    }
  });

  it('tags only fields that exist', () => {
    for (const table of [quantityFields, requiredFields]) {
      for (const [message, names] of Object.entries(table)) {
        const fields = fieldsOf(messageType(message));
        for (const name of names) assert.ok(fields.has(name), `${message} has a field ${name}`);
      }
    }
    for (const [message, byField] of Object.entries(listMapKeys)) {
      for (const name of Object.keys(byField)) assert.ok(fieldsOf(messageType(message)).has(name));
    }
  });
});

describe('OpenAPI v2', () => {
  it('rewrites references and one-ofs for Swagger 2.0', () => {
    const v2 = buildV2Document(groupVersions().map(buildGroupVersionDocument));
    const text = JSON.stringify(v2);
    assert.doesNotMatch(text, /#\/components\/schemas\//);
    assert.doesNotMatch(text, /"oneOf"/);
    assert.deepEqual(v2.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']?.type, 'string');
    assert.equal(
      v2.definitions['io.k8s.api.core.v1.PodSpec']?.properties?.containers?.items?.$ref,
      '#/definitions/io.k8s.api.core.v1.Container',
    );
    const patch = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
    assert.ok(patch?.parameters?.some((p) => p.in === 'body'));
    assert.ok(patch?.consumes?.includes('application/strategic-merge-patch+json'));
  });

  it("encodes gnostic's Document: swagger, info, paths and definitions by their field numbers", () => {
    const v2 = buildV2Document([buildGroupVersionDocument(groupVersions()[0] ?? assert.fail())]);
    const reader = new BinaryReader(encodeGnosticV2(v2));
    const seen = new Map<number, number>();
    let swagger = '';
    const definitions: string[] = [];
    while (reader.pos < reader.len) {
      const [field] = reader.tag();
      seen.set(field, (seen.get(field) ?? 0) + 1);
      if (field === 1) swagger = reader.string();
      else if (field === 9) {
        const defs = new BinaryReader(reader.bytes());
        while (defs.pos < defs.len) {
          defs.tag();
          const named = new BinaryReader(defs.bytes());
          named.tag();
          definitions.push(named.string());
        }
      } else reader.skip(2);
    }
    assert.equal(swagger, '2.0');
    assert.deepEqual([...seen.keys()].sort(), [1, 2, 8, 9]);
    assert.deepEqual(definitions, Object.keys(v2.definitions));
  });
});

describe('OpenAPI documents', () => {
  it('are built once, by the first request, for every request that arrives meanwhile', async () => {
    const documents = createOpenApiDocuments();
    const [a, b] = await Promise.all([documents.v3Index(), documents.v3Index()]);
    assert.equal(a, b);
    const core = await documents.v3('api/v1');
    assert.equal(core, await documents.v3('api/v1'));
    assert.equal(await documents.v3('apis/example.com/v1'), undefined);
    const [p, q] = await Promise.all([documents.v2Protobuf(), documents.v2Protobuf()]);
    assert.equal(p, q);
  });
});

describe('OpenAPI routes over HTTP', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const routes = createOpenApiRoutes();
    // A bare HTTP server that hands each request to the route whose prefix matches,
    // as the apiserver's router does after authentication.
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = routes.find((r) => url.pathname.startsWith(r.prefix));
      const restRequest = {
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        signal: new AbortController().signal,
      } as Partial<RestRequest> as RestRequest;
      const result = route ? await route.handler(restRequest, res, {} as never) : { status: 404, body: {} };
      if (result) {
        res.writeHead(result.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result.body));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  async function get(path: string, headers: Record<string, string> = {}) {
    const req = request(`${base}${path}`, { headers });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
  }

  it('serves the index, then each document at its hash, cacheable for good', async () => {
    const started = performance.now();
    const index = await get('/openapi/v3', { accept: 'application/json, */*' });
    const firstMs = performance.now() - started;
    assert.equal(index.status, 200);
    assert.equal(index.headers['cache-control'], 'no-cache, private');
    const paths = JSON.parse(index.body.toString()).paths as Record<string, { serverRelativeURL: string }>;
    assert.deepEqual(Object.keys(paths).slice(0, 2), ['api/v1', 'apis/apps/v1']);
    const url = paths['api/v1']?.serverRelativeURL ?? assert.fail();
    assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);

    const core = await get(url, { accept: 'application/json' });
    assert.equal(core.status, 200);
    assert.equal(core.headers['content-type'], 'application/json');
    assert.equal(core.headers['cache-control'], 'public, immutable');
    assert.equal(core.headers.etag, `"${url.split('hash=')[1]}"`);
    const d = JSON.parse(core.body.toString()) as OpenApiV3Document;
    assert.ok(d.components.schemas['io.k8s.api.core.v1.Pod']);

    const again = await get(url, { 'if-none-match': core.headers.etag ?? '' });
    assert.equal(again.status, 304);
    const stale = await get('/openapi/v3/api/v1?hash=0123');
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.location, url);
    const gzipped = await get(url, { 'accept-encoding': 'gzip' });
    assert.equal(gzipped.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gzipped.body), core.body);
    const sizes = Object.keys(paths).map((p) => p);
    console.log(
      `first /openapi/v3 (builds every document): ${firstMs.toFixed(0)} ms; ` +
        `api/v1 ${core.body.length} bytes, ${gzipped.body.length} gzipped; ${sizes.length} group-versions`,
    );
  });

  it('refuses what it does not serve in a way clients fall back from', async () => {
    assert.equal((await get('/openapi/v3/api/v1', { accept: v3ProtobufType })).status, 406);
    assert.equal((await get('/openapi/v3/apis/example.com/v1')).status, 404);
    const proto = await get('/openapi/v3/api/v1', { accept: `${v3ProtobufType}, application/json` });
    assert.equal(proto.status, 200);
    assert.equal(proto.headers['content-type'], 'application/json');
  });

  it('serves /openapi/v2 as protobuf, labelled so that Go parses the type, and as JSON', async () => {
    const proto = await get('/openapi/v2', { accept: v2ProtobufType });
    assert.equal(proto.status, 200);
    assert.equal(proto.headers['content-type'], v2ProtobufTypeOld);
    assert.ok(proto.body.length > 100_000);
    const json = await get('/openapi/v2', { accept: 'application/json' });
    assert.equal(JSON.parse(json.body.toString()).swagger, '2.0');
    console.log(`/openapi/v2: ${proto.body.length} bytes protobuf, ${json.body.length} bytes JSON`);
  });
});
