import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject as decodeReview, unwrapUnknown } from './index.js';

/** A message of string fields by number, as Kubernetes' generated.proto encodes it. */
function strings(fields: Record<number, string>): Uint8Array {
  const w = new BinaryWriter();
  for (const [no, v] of Object.entries(fields)) w.uint32((Number(no) << 3) | 2).string(v);
  return w.finish();
}

function message(fields: Record<number, Uint8Array>): Uint8Array {
  const w = new BinaryWriter();
  for (const [no, v] of Object.entries(fields)) w.uint32((Number(no) << 3) | 2).bytes(v);
  return w.finish();
}

/** `k8s\0` + runtime.Unknown{typeMeta=1, raw=2, contentEncoding=3, contentType=4}. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = new BinaryWriter();
  w.uint32((1 << 3) | 2).bytes(strings({ 1: apiVersion, 2: kind }));
  w.uint32((2 << 3) | 2).bytes(raw);
  w.uint32((3 << 3) | 2).string('');
  w.uint32((4 << 3) | 2).string('');
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), w.finish()]);
}

describe('protobuf review bodies', () => {
  it('decodes the SelfSubjectAccessReview kubectl auth can-i sends', () => {
    const attributes = strings({
      1: 'team-a',
      2: 'create',
      3: 'apps',
      4: 'v1',
      5: 'deployments',
      6: 'scale',
      7: 'web',
    });
    const review = message({ 1: message({}), 2: message({ 1: attributes }) });
    const body = envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', review);
    assert.deepEqual(decodeReview(body), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          namespace: 'team-a',
          verb: 'create',
          group: 'apps',
          version: 'v1',
          resource: 'deployments',
          subresource: 'scale',
          name: 'web',
        },
      },
    });
  });

  it('decodes non-resource attributes and a rules review; refuses a field number it does not know', () => {
    const w = new BinaryWriter();
    w.uint32((2 << 3) | 2).bytes(message({ 2: strings({ 1: '/healthz', 2: 'get' }) }));
    w.uint32((9 << 3) | 0).int32(0); // a field number no review has, at its zero value: nothing to lose
    const ssar = decodeReview(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', w.finish()));
    assert.deepEqual(ssar.spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' } });
    w.uint32((9 << 3) | 0).int32(42); // the same field with a value: refused, not dropped
    assert.throws(
      () => decodeReview(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', w.finish())),
      (err: unknown) =>
        err instanceof Error &&
        /field number 9 of k8s\.io\.api\.authorization\.v1\.SelfSubjectAccessReview is not known/.test(
          err.message,
        ),
    );
    const rules = decodeReview(
      envelope(
        'authorization.k8s.io/v1',
        'SelfSubjectRulesReview',
        message({ 2: strings({ 1: 'kube-system' }) }),
      ),
    );
    assert.deepEqual(rules.spec, { namespace: 'kube-system' });
    const whoami = decodeReview(
      envelope('authentication.k8s.io/v1', 'SelfSubjectReview', message({ 1: message({}) })),
    );
    assert.deepEqual(whoami, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  });

  it('decodes the TokenRequest and the Eviction kubectl 1.32 sends', () => {
    const spec = new BinaryWriter();
    spec.uint32((1 << 3) | 2).string('api');
    spec.uint32((1 << 3) | 2).string('vault');
    spec.uint32((4 << 3) | 0).int64(900n);
    const token = decodeReview(
      envelope('authentication.k8s.io/v1', 'TokenRequest', message({ 2: spec.finish() })),
    );
    assert.deepEqual(token.spec, { audiences: ['api', 'vault'], expirationSeconds: 900 });
    const options = new BinaryWriter();
    options.uint32((1 << 3) | 0).int64(30n);
    options.uint32((2 << 3) | 2).bytes(strings({ 1: 'uid-1' }));
    options.uint32((4 << 3) | 2).string('Foreground');
    options.uint32((5 << 3) | 2).string('All');
    const eviction = decodeReview(
      envelope(
        'policy/v1',
        'Eviction',
        message({ 1: strings({ 1: 'web-0', 3: 'team-a' }), 2: options.finish() }),
      ),
    );
    assert.deepEqual(eviction.metadata, { name: 'web-0', namespace: 'team-a' });
    assert.deepEqual(eviction.deleteOptions, {
      gracePeriodSeconds: 30,
      preconditions: { uid: 'uid-1' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
  });

  it('refuses a body without the magic, a truncated one and kinds it does not read', () => {
    assert.throws(() => unwrapUnknown(Buffer.from('{"kind":"x"}')), /magic bytes/);
    const whole = envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', message({ 2: message({}) }));
    assert.throws(() => decodeReview(whole.subarray(0, whole.length - 3)), /cannot be decoded/);
    assert.throws(
      () => decodeReview(envelope('example.com/v1', 'Widget', message({}))),
      (err: unknown) => err instanceof Error && /send it as application\/json/.test(err.message),
    );
  });
});
