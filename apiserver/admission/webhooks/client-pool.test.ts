import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLoopback, WebhookClientPool, webhookTarget } from './client-pool.js';

const config = (url: string, ca = '') => ({ url, caBundle: Buffer.from(ca) });

describe('webhook client pool', () => {
  test('targets: https anywhere, plaintext http only on loopback', () => {
    assert.equal(webhookTarget(config('https://127.0.0.1:9443')).address, '127.0.0.1:9443');
    assert.equal(webhookTarget(config('https://webhook.example.com')).address, 'webhook.example.com:443');
    assert.equal(webhookTarget(config('https://[::1]:8443/ignored')).address, '[::1]:8443');
    assert.equal(webhookTarget(config('http://127.0.0.1:8080')).address, '127.0.0.1:8080');
    assert.equal(webhookTarget(config('http://localhost:8080')).address, 'localhost:8080');
    assert.throws(() => webhookTarget(config('http://10.0.0.1:8080')), /only allowed to a loopback address/);
    assert.throws(() => webhookTarget(config('http://webhook.example.com')), /loopback/);
    assert.throws(() => webhookTarget(config('ftp://127.0.0.1')), /scheme must be https/);
    assert.throws(() => webhookTarget(config('')), /url is not set/);
    assert.throws(() => webhookTarget(config('not a url')), /not a valid URL/);
    assert.ok(isLoopback('127.1.2.3'));
    assert.ok(!isLoopback('128.0.0.1'));
  });

  test('one client per URL and CA bundle; idle clients are closed, busy ones kept', () => {
    let now = 0;
    const pool = new WebhookClientPool({ idleMs: 1_000, now: () => now });
    try {
      const a = pool.lease(config('https://127.0.0.1:1'));
      const a2 = pool.lease(config('https://127.0.0.1:1'));
      assert.equal(a.client, a2.client, 'same URL and CA share a client');
      const b = pool.lease(config('https://127.0.0.1:1', 'another CA'));
      assert.notEqual(b.client, a.client, 'another CA bundle gets its own client');
      assert.equal(pool.size, 2);
      a.release();
      a2.release();
      a2.release(); // Releasing twice counts once.
      now = 5_000;
      pool.sweep();
      assert.equal(pool.size, 1, 'the idle client is closed; the one still leased is not');
      b.release();
      now = 5_500;
      pool.sweep();
      assert.equal(pool.size, 1, 'released recently');
      now = 6_600;
      pool.sweep();
      assert.equal(pool.size, 0);
      const c = pool.lease(config('https://127.0.0.1:1'));
      assert.notEqual(c.client, a.client, 'a closed client is replaced');
      c.release();
    } finally {
      pool.close();
    }
    assert.equal(pool.size, 0);
  });
});
