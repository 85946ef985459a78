import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError, Code } from '../../../sdk/errors.js';
import type { AdmissionResponse } from '../../../sdk/gen/wheelhouse/admission/v1/admission.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { kinds } from '../../../sdk/kinds.js';
import { createLogger } from '../../../sdk/logger.js';
import { pod } from '../../../test/objects.js';
import type { AdmissionDeps } from '../deps.js';
import type { AdmissionAttributes } from '../types.js';
import { WebhookClientPool } from './client-pool.js';
import { consult } from './dispatch.js';
import { reviewRequest, verdictOf, WebhookCallError } from './review.js';

const podInfo = kinds.find((k) => k.kind === 'Pod')!;

function response(r: Partial<AdmissionResponse>) {
  return {
    response: {
      uid: 'u1',
      allowed: true,
      patch: Buffer.alloc(0),
      patchType: '',
      warnings: [],
      auditAnnotations: {},
      ...r,
    },
  };
}

function invalid(r: Partial<AdmissionResponse>, mutating: boolean, pattern: RegExp): void {
  assert.throws(
    () => verdictOf(response(r), 'u1', podInfo, mutating),
    (err: unknown) => err instanceof WebhookCallError && pattern.test(err.message),
  );
}

describe('webhook responses', () => {
  test('a denial carries its code (PERMISSION_DENIED unless a valid error code is given) and message', () => {
    assert.deepEqual(verdictOf(response({ allowed: false }), 'u1', podInfo, false), {
      allowed: false,
      code: Code.PERMISSION_DENIED,
      message: '',
    });
    const quota = response({
      allowed: false,
      result: { code: Code.RESOURCE_EXHAUSTED, reason: '', message: 'full' },
    });
    assert.deepEqual(verdictOf(quota, 'u1', podInfo, false), {
      allowed: false,
      code: Code.RESOURCE_EXHAUSTED,
      message: 'full',
    });
    const bogus = response({ allowed: false, result: { code: 99, reason: '', message: 'x' } });
    assert.equal((verdictOf(bogus, 'u1', podInfo, false) as { code: Code }).code, Code.PERMISSION_DENIED);
  });

  test('malformed responses are call failures', () => {
    assert.throws(() => verdictOf({}, 'u1', podInfo, true), /no response/);
    invalid({ uid: 'other' }, true, /response\.uid is "other"/);
    invalid({ patch: Buffer.from('[]'), patchType: 'JSONPatch' }, false, /validating webhook may not change/);
    invalid({ patch: Buffer.from('[]'), patchType: 'MergePatch' }, true, /JSONPatch is the only supported/);
    invalid({ patch: Buffer.from('{}'), patchType: 'JSONPatch' }, true, /must be an array/);
    const any = {
      typeUrl: 'type.googleapis.com/wheelhouse.core.v1.Pod',
      value: Buffer.from(Pod.encode(pod('p')).finish()),
    };
    invalid({ patch: Buffer.from('[]'), patchType: 'JSONPatch', object: any }, true, /both patch and object/);
    invalid(
      { object: { ...any, typeUrl: 'type.googleapis.com/wheelhouse.core.v1.Node' } },
      true,
      /expected type\.googleapis\.com\/wheelhouse\.core\.v1\.Pod/,
    );
  });

  test('an allowed mutation comes back parsed', () => {
    const v = verdictOf(
      response({
        patch: Buffer.from('[{"op":"remove","path":"/a"}]'),
        patchType: 'JSONPatch',
        warnings: ['w'],
      }),
      'u1',
      podInfo,
      true,
    );
    assert.deepEqual(v, { allowed: true, patch: [{ op: 'remove', path: '/a' }], warnings: ['w'] });
  });

  test('the request: DELETE sends only the old object', () => {
    const p = pod('gone');
    const req = reviewRequest(
      {
        operation: 'DELETE',
        info: podInfo,
        subresource: '',
        namespace: 'default',
        name: 'gone',
        oldObject: p,
        ctx: { user: 'alice', groups: ['dev'], dryRun: true, now: new Date() },
      },
      'u9',
    );
    assert.equal(req.object, undefined);
    assert.equal(Pod.decode(req.oldObject!.value).metadata?.name, 'gone');
    assert.deepEqual(req.userInfo, { username: 'alice', uid: '', groups: ['dev'], extra: {} });
    assert.equal(req.dryRun, true);
    assert.equal(req.uid, 'u9');
  });
});

describe('webhook dispatch', () => {
  test('a dry run is refused, without calling, by a webhook that may have side effects', async () => {
    const deps = { logger: createLogger('test', { level: 'silent' }) } as AdmissionDeps;
    const pool = new WebhookClientPool();
    const attrs: AdmissionAttributes = {
      operation: 'CREATE',
      info: podInfo,
      subresource: '',
      namespace: 'default',
      name: 'p',
      object: pod('p'),
      ctx: { user: 'alice', groups: [], dryRun: true, now: new Date() },
    };
    for (const sideEffects of ['Some', 'Unknown', undefined]) {
      const hook = {
        name: 'effects.webhooks.test',
        rules: [],
        sideEffects,
        clientConfig: { url: 'https://127.0.0.1:1', caBundle: Buffer.alloc(0) },
      };
      await assert.rejects(consult(pool, hook, attrs, false, deps), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, Code.INVALID_ARGUMENT);
        assert.match(err.message, /admission webhook "effects\.webhooks\.test" does not support dry run/);
        return true;
      });
    }
    assert.equal(pool.size, 0, 'nothing was dialled');
    pool.close();
  });
});
