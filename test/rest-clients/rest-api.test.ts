/**
 * The REST API as curl sees it: status codes and `Status` bodies, authentication and
 * RBAC, the verbs and their options (dryRun, fieldValidation, limit/continue, watch),
 * the status subresource, tables and discovery. Objects written over gRPC are read back
 * over REST, identically.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Cluster, call, startCluster } from '../cluster.js';
import { type HttpOptions, httpRequest } from './https.js';

let cluster: Cluster;
const ns = 'rest';
const req = (path: string, opts: HttpOptions = {}) =>
  httpRequest(cluster.rest, cluster.pki.caFile, path, { ...opts, admin: cluster.pki.admin });

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'rest' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  ...extra,
});

before(async () => {
  cluster = await startCluster({ rest: true });
  const created = await req('/api/v1/namespaces', {
    method: 'POST',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
  });
  assert.equal(created.status, 201, created.text);
});
after(async () => {
  await cluster?.stop();
});

describe('REST API', () => {
  it('creates, gets, updates and deletes, answering with the Kubernetes codes', async () => {
    const created = await req(`/api/v1/namespaces/${ns}/pods`, { method: 'POST', body: pod('a') });
    assert.equal(created.status, 201, created.text);
    const a = created.json<{
      kind: string;
      apiVersion: string;
      metadata: { resourceVersion: string; uid: string };
    }>();
    assert.equal(a.kind, 'Pod');
    assert.equal(a.apiVersion, 'v1');

    const again = await req(`/api/v1/namespaces/${ns}/pods`, { method: 'POST', body: pod('a') });
    assert.equal(again.status, 409);
    assert.deepEqual(again.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "a" already exists',
      reason: 'AlreadyExists',
      details: { name: 'a', kind: 'pods' },
      code: 409,
    });

    const got = await req(`/api/v1/namespaces/${ns}/pods/a`);
    assert.equal(got.status, 200);
    const object = got.json<Record<string, unknown> & { metadata: Record<string, unknown> }>();
    object.metadata.labels = { app: 'rest', updated: 'yes' };
    const updated = await req(`/api/v1/namespaces/${ns}/pods/a`, { method: 'PUT', body: object });
    assert.equal(updated.status, 200, updated.text);
    // The old resourceVersion again: a conflict.
    const stale = await req(`/api/v1/namespaces/${ns}/pods/a`, { method: 'PUT', body: object });
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, 'Conflict');

    const invalid = await req(`/api/v1/namespaces/${ns}/pods`, {
      method: 'POST',
      body: pod('b', { spec: { containers: [{ name: 'c' }] } }),
    });
    assert.equal(invalid.status, 422);
    const status = invalid.json<{
      reason: string;
      details: { causes: { field: string; reason: string }[] };
    }>();
    assert.equal(status.reason, 'Invalid');
    assert.ok(
      status.details.causes.some(
        (c) => c.field === 'spec.containers[0].image' && c.reason === 'FieldValueRequired',
      ),
      invalid.text,
    );

    const missing = await req(`/api/v1/namespaces/${ns}/pods/absent`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'pods "absent" not found');

    const deleted = await req(`/api/v1/namespaces/${ns}/pods/a`, {
      method: 'DELETE',
      body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
    });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal((await req(`/api/v1/namespaces/${ns}/pods/a`)).status, 404);
  });

  it('refuses callers without credentials (401) and without RBAC permission (403)', async () => {
    const anonymous = await req(`/api/v1/namespaces/${ns}/pods`, { cert: null });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json().reason, 'Unauthorized');
    const token = await req(`/api/v1/namespaces/${ns}/pods`, {
      cert: null,
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(token.status, 401);

    const scheduler = await req(`/api/v1/namespaces/${ns}/secrets`, { cert: cluster.pki.scheduler });
    assert.equal(scheduler.status, 403);
    const forbidden = scheduler.json<{ reason: string; message: string }>();
    assert.equal(forbidden.reason, 'Forbidden');
    assert.match(
      forbidden.message,
      /^secrets is forbidden: User "system:kube-scheduler" cannot list resource "secrets"/,
    );
  });

  it('reads over REST what was written over gRPC, identically', async () => {
    await call(cluster.client('configmaps'), 'createConfigMap', {
      configMap: { metadata: { name: 'grpc', namespace: ns }, data: { k: 'v' } },
    });
    const got = await req(`/api/v1/namespaces/${ns}/configmaps/grpc`);
    const cm = got.json<{
      apiVersion: string;
      kind: string;
      data: Record<string, string>;
      metadata: Record<string, unknown>;
    }>();
    assert.equal(cm.apiVersion, 'v1');
    assert.equal(cm.kind, 'ConfigMap');
    assert.deepEqual(cm.data, { k: 'v' });
    assert.match(String(cm.metadata.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // Empty fields are left out, as Kubernetes leaves them out.
    assert.equal(cm.metadata.deletionTimestamp, undefined);
    assert.equal(cm.metadata.finalizers, undefined);
  });

  it('honours dryRun=All and fieldValidation Strict, Warn and Ignore', async () => {
    const dry = await req(`/api/v1/namespaces/${ns}/pods?dryRun=All`, { method: 'POST', body: pod('dry') });
    assert.equal(dry.status, 201, dry.text);
    assert.equal((await req(`/api/v1/namespaces/${ns}/pods/dry`)).status, 404);
    const bad = await req(`/api/v1/namespaces/${ns}/pods?dryRun=Some`, { method: 'POST', body: pod('dry') });
    assert.equal(bad.status, 400);

    const unknown = pod('fields', {
      spec: { containers: [{ name: 'c', image: 'nginx', colour: 'red' }], extra: 1 },
    });
    const strict = await req(`/api/v1/namespaces/${ns}/pods?fieldValidation=Strict`, {
      method: 'POST',
      body: unknown,
    });
    assert.equal(strict.status, 400);
    assert.equal(strict.json().reason, 'BadRequest');
    assert.match(
      String(strict.json().message),
      /strict decoding error: unknown field "spec.containers\[0\].colour", unknown field "spec.extra"|strict decoding error: unknown field "spec.extra", unknown field "spec.containers\[0\].colour"/,
    );
    const warn = await req(`/api/v1/namespaces/${ns}/pods?fieldValidation=Warn`, {
      method: 'POST',
      body: unknown,
    });
    assert.equal(warn.status, 201, warn.text);
    assert.match(
      String(warn.headers.warning),
      /299 - "unknown field \\"spec\.(containers\[0\]\.colour|extra)\\""/,
    );
    const ignore = await req(`/api/v1/namespaces/${ns}/pods?fieldValidation=Ignore`, {
      method: 'POST',
      body: { ...unknown, metadata: { name: 'fields2' } },
    });
    assert.equal(ignore.status, 201, ignore.text);
    assert.equal(ignore.headers.warning, undefined);
  });

  it('refuses unsupported media types (415) and methods (405)', async () => {
    const yamlPatch = await req(`/api/v1/namespaces/${ns}/pods/fields`, {
      method: 'PATCH',
      body: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(yamlPatch.status, 415);
    assert.equal(yamlPatch.json().reason, 'UnsupportedMediaType');
    const protobuf = await req(`/api/v1/namespaces/${ns}/configmaps`, {
      method: 'POST',
      body: 'k8s\0',
      headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
    });
    assert.equal(protobuf.status, 415);
    const post = await req(`/api/v1/namespaces/${ns}/pods/fields`, { method: 'POST', body: pod('x') });
    assert.equal(post.status, 405);
  });

  it('patches with JSON patch, merge patch and strategic merge patch', async () => {
    const path = `/api/v1/namespaces/${ns}/pods/fields`;
    const json = await req(path, {
      method: 'PATCH',
      body: [{ op: 'add', path: '/metadata/labels/json', value: 'yes' }],
      headers: { 'content-type': 'application/json-patch+json' },
    });
    assert.equal(json.status, 200, json.text);
    const merge = await req(path, {
      method: 'PATCH',
      body: { metadata: { labels: { merge: 'yes' } } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(merge.status, 200, merge.text);
    const strategic = await req(path, {
      method: 'PATCH',
      body: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } },
      headers: { 'content-type': 'application/strategic-merge-patch+json' },
    });
    assert.equal(strategic.status, 200, strategic.text);
    const after = strategic.json<{
      metadata: { labels: Record<string, string> };
      spec: { containers: { image: string }[] };
    }>();
    assert.deepEqual(after.metadata.labels, { app: 'rest', json: 'yes', merge: 'yes' });
    assert.equal(after.spec.containers[0]?.image, 'nginx:2');
  });

  it('serves the status subresource', async () => {
    const path = `/api/v1/namespaces/${ns}/pods/fields/status`;
    const patched = await req(path, {
      method: 'PATCH',
      body: { status: { phase: 'Running' }, metadata: { labels: { ignored: 'yes' } } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(patched.status, 200, patched.text);
    const p = patched.json<{ status: { phase: string }; metadata: { labels: Record<string, string> } }>();
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.metadata.labels.ignored, undefined);
    const running = await req(`/api/v1/namespaces/${ns}/pods?fieldSelector=status.phase%3DRunning`);
    assert.deepEqual(
      running.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name),
      ['fields'],
    );
  });

  it('pages lists with limit and continue, as a <Kind>List', async () => {
    for (const name of ['p1', 'p2', 'p3']) {
      assert.equal(
        (await req(`/api/v1/namespaces/${ns}/configmaps`, { method: 'POST', body: { metadata: { name } } }))
          .status,
        201,
      );
    }
    const first = (await req(`/api/v1/namespaces/${ns}/configmaps?limit=2`)).json<{
      kind: string;
      apiVersion: string;
      metadata: { resourceVersion: string; continue: string };
      items: Record<string, unknown>[];
    }>();
    assert.equal(first.kind, 'ConfigMapList');
    assert.equal(first.items.length, 2);
    assert.equal(first.items[0]?.kind, undefined, 'items of a list carry no kind, as in Kubernetes');
    assert.ok(first.metadata.continue);
    const rest = (
      await req(
        `/api/v1/namespaces/${ns}/configmaps?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`,
      )
    ).json<{ metadata: { continue?: string }; items: { metadata: { name: string } }[] }>();
    assert.equal(rest.metadata.continue, undefined);
    assert.equal(first.items.length + rest.items.length, 4);
    const all = await req(`/api/v1/configmaps?labelSelector=absent%3Dlabel`);
    assert.deepEqual(all.json<{ items: unknown[] }>().items, []);
  });

  it('watches as JSON lines, with bookmarks and a timeout', async () => {
    const list = (await req(`/api/v1/namespaces/${ns}/configmaps`)).json<{
      metadata: { resourceVersion: string };
    }>();
    const watching = req(
      `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=6&allowWatchBookmarks=true`,
    );
    // The create must land within the watch's timeout: 6 s leaves room for a loaded host.
    await new Promise((r) => setTimeout(r, 300));
    await req(`/api/v1/namespaces/${ns}/configmaps`, {
      method: 'POST',
      body: { metadata: { name: 'watched' } },
    });
    const answer = await watching;
    assert.equal(answer.status, 200);
    const events = answer.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { kind: string; metadata: { name?: string } } });
    const added = events.filter((e) => e.type === 'ADDED');
    assert.deepEqual(
      added.map((e) => [e.object.kind, e.object.metadata.name]),
      [['ConfigMap', 'watched']],
    );
    assert.ok(
      events.every((e) => ['ADDED', 'BOOKMARK'].includes(e.type)),
      answer.text,
    );
  });

  it('answers tables when asked for them', async () => {
    const table = await req(`/api/v1/namespaces/${ns}/pods`, {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const t = table.json<{
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    }>();
    assert.equal(t.kind, 'Table');
    assert.equal(t.columnDefinitions[0]?.name, 'Name');
    assert.ok(t.rows.some((r) => r.cells[0] === 'fields'));
    const protobufOnly = await req(`/api/v1/namespaces/${ns}/pods`, {
      headers: { accept: 'application/vnd.kubernetes.protobuf' },
    });
    assert.equal(protobufOnly.status, 406);
  });

  it('deletes collections', async () => {
    const deleted = await req(`/api/v1/namespaces/${ns}/configmaps?labelSelector=`, { method: 'DELETE' });
    assert.equal(deleted.status, 200, deleted.text);
    const left = (await req(`/api/v1/namespaces/${ns}/configmaps`)).json<{ items: unknown[] }>();
    assert.deepEqual(left.items, []);
  });

  it('serves discovery: version, groups, resource lists and aggregated discovery', async () => {
    const version = (await req('/version')).json<{ major: string; minor: string; gitVersion: string }>();
    assert.equal(version.minor, '32');
    assert.match(version.gitVersion, /^v1\.32\.0-wheelhouse/);
    const core = (await req('/api/v1')).json<{
      resources: { name: string; shortNames?: string[]; categories?: string[]; verbs: string[] }[];
    }>();
    const pods = core.resources.find((r) => r.name === 'pods');
    assert.deepEqual(pods?.shortNames, ['po']);
    assert.deepEqual(pods?.categories, ['all']);
    assert.ok(pods?.verbs.includes('watch'));
    assert.ok(core.resources.some((r) => r.name === 'pods/status'));
    const groups = (await req('/apis')).json<{ groups: { name: string }[] }>();
    assert.ok(groups.groups.some((g) => g.name === 'apps'));
    const aggregated = await req('/apis', {
      headers: {
        accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
      },
    });
    assert.match(String(aggregated.headers['content-type']), /as=APIGroupDiscoveryList/);
    const list = aggregated.json<{ kind: string; items: { metadata: { name: string } }[] }>();
    assert.equal(list.kind, 'APIGroupDiscoveryList');
    assert.ok(list.items.some((i) => i.metadata.name === 'apps'));
    assert.equal((await req('/apis/nothing.example.com/v1')).status, 404);
    assert.equal((await req('/healthz')).text, 'ok');
  });
});
