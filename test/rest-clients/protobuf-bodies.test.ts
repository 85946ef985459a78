/**
 * Kubernetes protobuf request bodies over HTTP, as curl would send them: answered in JSON
 * when the Accept header allows it (406 otherwise), refused with 415 naming what is not
 * read; and the namespaced LocalSubjectAccessReview.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { type Cluster, startCluster } from '../cluster.js';
import { type HttpOptions, httpRequest } from './https.js';

let cluster: Cluster;
const ns = 'proto';
const req = (path: string, opts: HttpOptions = {}) =>
  httpRequest(cluster.rest, cluster.pki.caFile, path, { ...opts, admin: cluster.pki.admin });

/** Length-delimited fields by number (Kubernetes' generated.proto numbers). */
function msg(...fields: [number, string | Uint8Array][]): Uint8Array {
  const w = new BinaryWriter();
  for (const [no, v] of fields) {
    if (typeof v === 'string') w.uint32((no << 3) | 2).string(v);
    else w.uint32((no << 3) | 2).bytes(v);
  }
  return w.finish();
}

/** `k8s\0` + runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2}. */
function protobuf(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg([1, msg([1, apiVersion], [2, kind])], [2, raw])]);
}

/** ConfigMap {metadata=1 {name=1}, data=2 map entry {key=1, value=2}}, plus extra fields. */
function configMap(name: string, ...extra: [number, string | Uint8Array][]): Buffer {
  return protobuf('v1', 'ConfigMap', msg([1, msg([1, name])], [2, msg([1, 'k'], [2, 'v'])], ...extra));
}

const protobufType = 'application/vnd.kubernetes.protobuf';

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

describe('protobuf request bodies', () => {
  it('creates from protobuf and answers in JSON when the client accepts it', async () => {
    const created = await req(`/api/v1/namespaces/${ns}/configmaps`, {
      method: 'POST',
      body: configMap('from-proto'),
      headers: { 'content-type': protobufType, accept: `${protobufType}, */*` },
    });
    assert.equal(created.status, 201, created.text);
    assert.match(String(created.headers['content-type']), /^application\/json/);
    const got = await req(`/api/v1/namespaces/${ns}/configmaps/from-proto`);
    assert.deepEqual(got.json().data, { k: 'v' });
    assert.match(
      String((got.json().metadata as { creationTimestamp: string }).creationTimestamp),
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
  });

  it('refuses a client that accepts only protobuf answers with 406, creating nothing', async () => {
    const refused = await req(`/api/v1/namespaces/${ns}/configmaps`, {
      method: 'POST',
      body: configMap('proto-only'),
      headers: { 'content-type': protobufType, accept: protobufType },
    });
    assert.equal(refused.status, 406, refused.text);
    assert.equal(refused.json().reason, 'NotAcceptable');
    assert.equal((await req(`/api/v1/namespaces/${ns}/configmaps/proto-only`)).status, 404);
  });

  it('refuses a field number it does not read with 415, and a body of another kind with 400', async () => {
    const unknown = await req(`/api/v1/namespaces/${ns}/configmaps`, {
      method: 'POST',
      body: configMap('unknown-field', [42, 'surprise']),
      headers: { 'content-type': protobufType },
    });
    assert.equal(unknown.status, 415, unknown.text);
    assert.equal(unknown.json().reason, 'UnsupportedMediaType');
    assert.match(String(unknown.json().message), /field number 42 of k8s\.io\.api\.core\.v1\.ConfigMap/);
    assert.equal((await req(`/api/v1/namespaces/${ns}/configmaps/unknown-field`)).status, 404);

    const wrongKind = await req(`/api/v1/namespaces/${ns}/configmaps`, {
      method: 'POST',
      body: protobuf('v1', 'Secret', msg([1, msg([1, 's'])])),
      headers: { 'content-type': protobufType },
    });
    assert.equal(wrongKind.status, 400, wrongKind.text);
    assert.match(String(wrongKind.json().message), /the body is a Secret/);
  });

  it('replaces an object from protobuf (PUT)', async () => {
    const put = await req(`/api/v1/namespaces/${ns}/configmaps/from-proto`, {
      method: 'PUT',
      body: protobuf('v1', 'ConfigMap', msg([1, msg([1, 'from-proto'])], [2, msg([1, 'k'], [2, 'changed'])])),
      headers: { 'content-type': protobufType },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json().data, { k: 'changed' });
  });
});

describe('LocalSubjectAccessReview', () => {
  const path = `/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`;
  const review = (namespace: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'LocalSubjectAccessReview',
    spec: { resourceAttributes: { namespace, verb: 'get', resource: 'pods' }, ...extra },
  });

  it('is listed in discovery as a namespaced resource', async () => {
    const list = await req('/apis/authorization.k8s.io/v1');
    const resources = list.json().resources as { name: string; namespaced: boolean }[];
    assert.deepEqual(
      resources.find((r) => r.name === 'localsubjectaccessreviews')?.namespaced,
      true,
      list.text,
    );
  });

  it('answers for another user within the namespace of its path', async () => {
    const denied = await req(path, { method: 'POST', body: review(ns, { user: 'alice' }) });
    assert.equal(denied.status, 201, denied.text);
    assert.equal((denied.json().status as { allowed: boolean }).allowed, false);
    assert.equal((denied.json().metadata as { namespace: string }).namespace, ns);
    const admin = await req(path, {
      method: 'POST',
      body: review(ns, { user: 'bob', groups: ['system:masters'] }),
    });
    assert.equal((admin.json().status as { allowed: boolean }).allowed, true, admin.text);
  });

  it('takes the protobuf review too', async () => {
    // SubjectAccessReviewSpec {resourceAttributes=1 {namespace=1, verb=2, resource=5}, user=3, groups=4}.
    const spec = msg([1, msg([1, ns], [2, 'list'], [5, 'pods'])], [3, 'carol'], [4, 'system:masters']);
    const answer = await req(path, {
      method: 'POST',
      body: protobuf('authorization.k8s.io/v1', 'LocalSubjectAccessReview', msg([2, spec])),
      headers: { 'content-type': protobufType },
    });
    assert.equal(answer.status, 201, answer.text);
    assert.equal((answer.json().status as { allowed: boolean }).allowed, true);
  });

  it('refuses another namespace, non-resource attributes and a missing user', async () => {
    const other = await req(path, { method: 'POST', body: review('kube-system', { user: 'alice' }) });
    assert.equal(other.status, 400, other.text);
    assert.match(String(other.json().message), /spec\.resourceAttributes\.namespace.*must match/);
    const nonResource = await req(path, {
      method: 'POST',
      body: {
        kind: 'LocalSubjectAccessReview',
        spec: { user: 'alice', nonResourceAttributes: { path: '/x', verb: 'get' } },
      },
    });
    assert.equal(nonResource.status, 400, nonResource.text);
    assert.match(String(nonResource.json().message), /nonResourceAttributes.*disallowed/);
    const nobody = await req(path, { method: 'POST', body: review(ns) });
    assert.equal(nobody.status, 400, nobody.text);
  });
});
