/**
 * The token's life cycle under --use-service-account-credentials, against a fake
 * apiserver: the account created when missing, the token renewed at 80 % of its life
 * and sent as renewed, refused requests retried, and a stop before the first token.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clientset } from '../sdk/client/typed-client.js';
import type { ComponentContext } from '../sdk/component/index.js';
import { ApiError, Code } from '../sdk/errors.js';
import { createLogger } from '../sdk/logger.js';
import { serviceAccountClients } from './service-account-credentials.js';

/** A context whose apiserver holds no ServiceAccount and answers token requests from `tokens`. */
function fakeContext(signal: AbortSignal, tokens: (n: number) => { token: string; lifeMs: number } | Error) {
  const calls = { created: [] as string[], tokenRequests: 0, closed: 0, sent: [] as (() => string)[] };
  const accounts = new Map<string, string>();
  const clients = {
    kind: () => ({
      get: async (_ns: string, name: string) => {
        const uid = accounts.get(name);
        if (uid === undefined) throw new ApiError(Code.NOT_FOUND, `serviceaccounts "${name}" not found`);
        return { metadata: { name, uid } };
      },
      create: async (obj: { metadata: { name: string } }) => {
        const uid = `uid-${calls.created.length}`;
        accounts.set(obj.metadata.name, uid);
        calls.created.push(obj.metadata.name);
        return { metadata: { ...obj.metadata, uid } };
      },
    }),
    api: {
      call: async () => {
        const answer = tokens(calls.tokenRequests++);
        if (answer instanceof Error) throw answer;
        return {
          tokenRequest: {
            status: { token: answer.token, expirationTimestamp: new Date(Date.now() + answer.lifeMs) },
          },
        };
      },
    },
  } as unknown as Clientset;
  const ctx = {
    clients,
    clientsWithToken: (token: () => string) => {
      calls.sent.push(token);
      return { close: () => calls.closed++ } as unknown as Clientset;
    },
    logger: createLogger('test', { level: 'silent' }),
    signal,
  } as unknown as ComponentContext;
  return { ctx, calls, accounts };
}

test('creates the account, then renews its token at 80 % of its life', async () => {
  const stop = new AbortController();
  const { ctx, calls } = fakeContext(stop.signal, (n) => ({ token: `token-${n}`, lifeMs: 1_500 }));
  await serviceAccountClients(ctx, 'replicaset-controller');
  assert.deepEqual(calls.created, ['replicaset-controller']);
  const current = calls.sent[0] as () => string;
  assert.equal(current(), 'token-0');
  // 80 % of 1.5 s is 1.2 s: the token sent changes then, not before.
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(current(), 'token-0');
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(current(), 'token-1');
  assert.equal(calls.created.length, 1, 'the account, found the second time, is not created again');
  stop.abort();
  await new Promise((r) => setImmediate(r));
  assert.equal(calls.closed, 1, 'the clients are closed once stopped');
});

test('an account deleted meanwhile is created again, with a new token at once', async () => {
  const stop = new AbortController();
  const { ctx, calls, accounts } = fakeContext(stop.signal, (n) => ({
    token: `token-${n}`,
    lifeMs: 3_600_000,
  }));
  await serviceAccountClients(ctx, 'deployment-controller', { checkEveryMs: 100 });
  const current = calls.sent[0] as () => string;
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(current(), 'token-0', 'an account still there keeps its token');
  accounts.delete('deployment-controller');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(current(), 'token-1');
  assert.deepEqual(calls.created, ['deployment-controller', 'deployment-controller']);
  stop.abort();
});

test('a refused token request is retried with backoff until one comes', async () => {
  const stop = new AbortController();
  const { ctx, calls } = fakeContext(stop.signal, (n) =>
    n < 2 ? new ApiError(Code.UNAVAILABLE, 'no apiserver yet') : { token: 'late', lifeMs: 3_600_000 },
  );
  await serviceAccountClients(ctx, 'job-controller', { retryInitialMs: 20 });
  assert.equal(calls.tokenRequests, 3);
  assert.equal((calls.sent[0] as () => string)(), 'late');
  stop.abort();
});

test('stopped before its first token: CANCELLED, and no clients made', async () => {
  const stop = new AbortController();
  const { ctx, calls } = fakeContext(stop.signal, () => new ApiError(Code.UNAVAILABLE, 'down'));
  const pending = serviceAccountClients(ctx, 'node-controller', { retryInitialMs: 50 });
  setTimeout(() => stop.abort(), 120);
  await assert.rejects(pending, (err: unknown) => err instanceof ApiError && err.code === Code.CANCELLED);
  assert.deepEqual(calls.sent, []);
});

test('an apiserver that issues no tokens fails the controller at once, saying so', async () => {
  const stop = new AbortController();
  const { ctx } = fakeContext(
    stop.signal,
    () => new ApiError(Code.UNIMPLEMENTED, 'start it with --service-account-signing-key-file'),
  );
  await assert.rejects(
    serviceAccountClients(ctx, 'job-controller', { retryInitialMs: 10 }),
    (err: unknown) =>
      err instanceof ApiError &&
      err.code === Code.FAILED_PRECONDITION &&
      /issues no service account tokens.*signing-key-file/.test(err.message),
  );
  stop.abort();
});

test('a renewal the apiserver can no longer answer keeps the old token and the process', async () => {
  const stop = new AbortController();
  const { ctx, calls } = fakeContext(stop.signal, (n) =>
    n === 0 ? { token: 'token-0', lifeMs: 500 } : new ApiError(Code.UNIMPLEMENTED, 'no signing key'),
  );
  await serviceAccountClients(ctx, 'job-controller', { checkEveryMs: 200 });
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal((calls.sent[0] as () => string)(), 'token-0');
  assert.ok(calls.tokenRequests >= 2, 'renewal was tried');
  stop.abort();
});
