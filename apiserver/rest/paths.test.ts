import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../sdk/errors.js';
import { HttpError, statusOf } from './errors.js';
import { parseApiPath } from './paths.js';

describe('parseApiPath', () => {
  it('reads the discovery paths', () => {
    assert.deepEqual(parseApiPath('/api'), { type: 'root', core: true });
    assert.deepEqual(parseApiPath('/apis/'), { type: 'root', core: false });
    assert.deepEqual(parseApiPath('/apis/apps'), { type: 'group', group: 'apps' });
    assert.deepEqual(parseApiPath('/api/v1'), { type: 'groupVersion', group: '', version: 'v1' });
    assert.equal(parseApiPath('/metrics'), undefined);
  });

  it('reads namespaced, cluster-scoped and all-namespace resource paths', () => {
    const resource = (path: string) => {
      const p = parseApiPath(path);
      assert.equal(p?.type, 'resource', path);
      return p;
    };
    assert.deepEqual(resource('/api/v1/namespaces/default/pods/web/status'), {
      type: 'resource',
      group: '',
      version: 'v1',
      namespaced: true,
      namespace: 'default',
      resource: 'pods',
      name: 'web',
      subresource: 'status',
    });
    assert.deepEqual(resource('/apis/apps/v1/deployments'), {
      type: 'resource',
      group: 'apps',
      version: 'v1',
      namespaced: false,
      namespace: '',
      resource: 'deployments',
      name: '',
      subresource: '',
    });
    // A Namespace's own paths: the namespace is the object, not a scope.
    assert.deepEqual(resource('/api/v1/namespaces/kube-system'), {
      type: 'resource',
      group: '',
      version: 'v1',
      namespaced: false,
      namespace: '',
      resource: 'namespaces',
      name: 'kube-system',
      subresource: '',
    });
    const status = resource('/api/v1/namespaces/kube-system/status');
    assert.equal(
      status?.type === 'resource' && `${status.resource}/${status.name}/${status.subresource}`,
      'namespaces/kube-system/status',
    );
    assert.equal(parseApiPath('/api/v1/namespaces/a/pods/b/log/extra'), undefined);
    assert.equal(parseApiPath('/api/v1/pods/%E0%A4%A'), undefined);
  });
});

describe('statusOf', () => {
  it('maps ApiError codes onto Kubernetes codes and reasons', () => {
    const cases: [ApiError, number, string][] = [
      [ApiError.notFound('x'), 404, 'NotFound'],
      [ApiError.alreadyExists('x'), 409, 'AlreadyExists'],
      [ApiError.conflict('x'), 409, 'Conflict'],
      [ApiError.invalid('x'), 422, 'Invalid'],
      [ApiError.forbidden('x'), 403, 'Forbidden'],
      [ApiError.unauthenticated('x'), 401, 'Unauthorized'],
      [ApiError.gone('x'), 410, 'Expired'],
      [ApiError.exhausted('x'), 429, 'TooManyRequests'],
      [HttpError.unsupportedMediaType('x'), 415, 'UnsupportedMediaType'],
      [HttpError.methodNotAllowed('x'), 405, 'MethodNotAllowed'],
    ];
    for (const [err, code, reason] of cases) {
      const { status, body } = statusOf(err);
      assert.equal(status, code, reason);
      assert.equal(body.reason, reason);
      assert.equal(body.code, code);
      assert.equal(body.kind, 'Status');
    }
  });

  it('names the resource in details and keeps every cause', () => {
    const err = ApiError.invalid(
      'Pod "p" is invalid',
      [
        { field: 'spec.containers[0].image', reason: 'FieldValueRequired', message: 'Required value' },
        { field: 'metadata.name', reason: 'FieldValueInvalid', message: 'bad' },
      ],
      { name: 'p', group: '', kind: 'Pod' },
    );
    const { body } = statusOf(err);
    assert.deepEqual(body.details, {
      name: 'p',
      kind: 'pods',
      causes: [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
        { reason: 'FieldValueInvalid', message: 'bad', field: 'metadata.name' },
      ],
    });
  });

  it('says nothing of errors that are not ApiErrors', () => {
    const { status, body } = statusOf(new Error('secret detail'));
    assert.equal(status, 500);
    assert.doesNotMatch(String(body.message), /secret/);
  });
});
