import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, getClientChannel } from '@grpc/grpc-js';
import { freePort } from '../../test/free-port.js';
import { ApiError, Code } from '../errors.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../kind-registry.js';
import { resolveResource } from '../kinds.js';
import { type FakeApiserver, startFakeApiserver } from '../testing/fake-apiserver.js';
import { ChannelPool } from './channel-pool.js';
import { type Connection, endpointsOf } from './connection.js';
import { createApiClient } from './dynamic-client.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;

/** A loopback port nothing listens on. */
const deadPort = async () => `127.0.0.1:${await freePort()}`;

function plaintext(endpoints: string[], component = 'test-component'): Connection {
  return {
    endpoints,
    address: endpoints[0]!,
    credentials: credentials.createInsecure(),
    options: { 'grpc.primary_user_agent': `wheelhouse-${component}/0.1.0` },
  };
}

const pod = (name: string): KindObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: ObjectMeta.create({ name, namespace: 'default' }),
});

describe('dynamic client', () => {
  let api: FakeApiserver;
  before(async () => {
    api = await startFakeApiserver([pods, nodes]);
  });
  after(() => api.stop());

  test('endpoints come from a comma-separated server', () => {
    assert.deepEqual(endpointsOf('a:1, b:2,'), ['a:1', 'b:2']);
    assert.throws(() => endpointsOf(' '), /no server/);
  });

  test('every call names the component in its user agent', async () => {
    const client = createApiClient(plaintext([api.address], 'scheduler'));
    try {
      await client.create(pods, pod('ua'));
      await client.list(nodes, '');
      const agents = api.requests.map((r) => r.userAgent);
      assert.ok(agents.length >= 2);
      for (const a of agents) assert.match(a, /^wheelhouse-scheduler\/0\.1\.0 /);
    } finally {
      client.close();
    }
  });

  test('the clients of every kind share one channel per endpoint', () => {
    const pool = new ChannelPool(plaintext([api.address]));
    try {
      const a = pool.client(typesOf(pods).client, 'Pod');
      const b = pool.client(typesOf(nodes).client, 'Node');
      assert.notEqual(a, b);
      assert.equal(getClientChannel(a), getClientChannel(b));
    } finally {
      pool.close();
    }
  });

  test('a read that finds its endpoint unavailable fails over to the next one', async () => {
    const client = createApiClient(plaintext([await deadPort(), api.address]));
    try {
      api.put(pods, pod('there'));
      const got = await client.get(pods, 'default', 'there');
      assert.equal(got.metadata?.name, 'there');
      // Later calls, writes included, go to the endpoint that works.
      await client.create(pods, pod('written'));
    } finally {
      client.close();
    }
  });

  test('reads, and writes that never left, are tried a few times with backoff, then fail UNAVAILABLE', async () => {
    const client = createApiClient(plaintext([await deadPort()]));
    try {
      for (const call of [() => client.list(pods, 'default'), () => client.create(pods, pod('x'))]) {
        const t0 = performance.now();
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(err instanceof ApiError);
          assert.equal(err.code, Code.UNAVAILABLE);
          return true;
        });
        const ms = performance.now() - t0;
        assert.ok(ms >= 300, `retried for ${ms} ms`);
      }
    } finally {
      client.close();
    }
  });

  test('a write the server answered UNAVAILABLE is not tried again (it may have been applied)', async () => {
    const client = createApiClient(plaintext([api.address]));
    try {
      api.put(pods, pod('flaky'));
      const current = await client.get(pods, 'default', 'flaky');
      api.requests.length = 0;
      api.beforeUpdate = () => {
        throw ApiError.unavailable('the store is away');
      };
      await assert.rejects(client.update(pods, current), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, Code.UNAVAILABLE);
        return true;
      });
      assert.equal(api.requests.filter((r) => r.method === 'updatePod').length, 1);
    } finally {
      api.beforeUpdate = undefined;
      client.close();
    }
  });

  test('every unary call has a deadline', async () => {
    // The short deadline is only for the call that meets the stuck server: on a loaded
    // machine, even a quick call can take longer than that.
    const reader = createApiClient(plaintext([api.address]));
    const client = createApiClient(plaintext([api.address]), { timeoutMs: 200 });
    try {
      api.put(pods, pod('slow'));
      const current = await reader.get(pods, 'default', 'slow');
      api.beforeUpdate = () => {
        const until = Date.now() + 400;
        while (Date.now() < until) {
          // the server is stuck
        }
      };
      await assert.rejects(client.update(pods, current), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, Code.DEADLINE_EXCEEDED);
        return true;
      });
    } finally {
      api.beforeUpdate = undefined;
      reader.close();
      client.close();
    }
  });
});
