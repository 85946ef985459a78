import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { impersonatedUser, type RequestHeaders } from './impersonation.js';
import type { Authorizer, RequestAttributes, UserInfo } from './types.js';

const admin: UserInfo = { name: 'admin', uid: '', groups: ['system:masters', 'system:authenticated'] };

function headers(h: Record<string, string[]>): RequestHeaders {
  return { get: (name) => h[name] ?? [], names: () => Object.keys(h) };
}

/** Allows what `allowed` lists as `verb resource/name@namespace`, recording every question. */
function authorizer(allowed: string[]): Authorizer & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    authorize(a: RequestAttributes) {
      const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
      const key = `${a.verb} ${a.apiGroup ? `${a.apiGroup}:` : ''}${resource}/${a.name}${a.namespace ? `@${a.namespace}` : ''}`;
      asked.push(key);
      return { allowed: allowed.includes(key), reason: '' };
    },
  };
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return Code.OK;
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return err.code;
  }
};

describe('impersonation', () => {
  it('leaves a caller without the headers as itself, asking nothing', async () => {
    const authz = authorizer([]);
    assert.equal(await impersonatedUser(admin, headers({ accept: ['*/*'] }), authz), admin);
    assert.deepEqual(authz.asked, []);
  });

  it('acts as the user and groups asked, each authorized, plus system:authenticated', async () => {
    const authz = authorizer(['impersonate users/alice', 'impersonate groups/dev']);
    const user = await impersonatedUser(
      admin,
      headers({ 'impersonate-user': ['alice'], 'impersonate-group': ['dev'] }),
      authz,
    );
    assert.deepEqual(user, {
      name: 'alice',
      uid: '',
      groups: ['dev', 'system:authenticated'],
      impersonator: admin,
    });
    assert.deepEqual(authz.asked, ['impersonate users/alice', 'impersonate groups/dev']);
  });

  it('a service account is checked in its namespace and gets its groups', async () => {
    const authz = authorizer(['impersonate serviceaccounts/builder@ci']);
    const user = await impersonatedUser(
      admin,
      headers({ 'impersonate-user': ['system:serviceaccount:ci:builder'] }),
      authz,
    );
    assert.deepEqual(user.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:ci',
      'system:authenticated',
    ]);
  });

  it('uid and extras are authorized in authentication.k8s.io', async () => {
    const authz = authorizer([
      'impersonate users/alice',
      'impersonate authentication.k8s.io:uids/1234',
      'impersonate authentication.k8s.io:userextras/scopes/view',
    ]);
    const user = await impersonatedUser(
      admin,
      headers({
        'impersonate-user': ['alice'],
        'impersonate-uid': ['1234'],
        'impersonate-extra-scopes': ['view'],
      }),
      authz,
    );
    assert.equal(user.uid, '1234');
    assert.deepEqual(user.extra, { scopes: ['view'] });
  });

  it('refuses what the caller may not impersonate, and groups without a user', async () => {
    const bob: UserInfo = { name: 'bob', uid: '', groups: ['system:authenticated'] };
    const authz = authorizer(['impersonate users/alice']);
    assert.equal(
      await codeOf(impersonatedUser(bob, headers({ 'impersonate-user': ['root'] }), authz)),
      Code.PERMISSION_DENIED,
    );
    await assert.rejects(
      impersonatedUser(
        bob,
        headers({ 'impersonate-user': ['alice'], 'impersonate-group': ['system:masters'] }),
        authz,
      ),
      /groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups"/,
    );
    assert.equal(
      await codeOf(impersonatedUser(bob, headers({ 'impersonate-group': ['dev'] }), authz)),
      Code.INVALID_ARGUMENT,
    );
  });
});
