import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendSuite } from '../backend-suite.js';
import { openBackend } from '../registry.js';
import { type EtcdCluster, etcdAvailable, startEtcdCluster } from '../testing/etcd-cluster.js';
import { type Backend, type Event, StoreError } from '../types.js';
import { parseEtcdLocation } from './etcd.js';
import './index.js';

const available = etcdAvailable();
let cluster: EtcdCluster;
let prefixes = 0;
/** A prefix no earlier test wrote under: every test gets an empty backend on the shared cluster. */
const freshPrefix = () => `/t${process.pid}-${prefixes++}`;

describe('etcd driver', { skip: available ? false : 'etcd is not installed (/usr/bin/etcd)' }, () => {
  before(async () => {
    cluster = await startEtcdCluster();
  });
  after(async () => {
    await cluster?.close();
  });

  backendSuite('etcd', (options) => openBackend(cluster.url(freshPrefix()), options));

  it('parses endpoints, the key prefix and the TLS files from the URL', () => {
    assert.deepEqual(parseEtcdLocation('a:2379,b:2379/wh/?cacert=/ca&cert=/c&key=/k'), {
      endpoints: ['a:2379', 'b:2379'],
      prefix: '/wh',
      caFile: '/ca',
      certFile: '/c',
      keyFile: '/k',
    });
    assert.throws(() => parseEtcdLocation(''), /names no endpoint/);
    assert.throws(() => parseEtcdLocation('a:2379?cert=/c'), /both cert and key/);
    assert.throws(() => parseEtcdLocation('a:2379?tls=1'), /unknown etcd:\/\/ parameter tls/);
  });

  it('keeps prefixes apart and refuses a write whose guard fails with the current key-value', async () => {
    const a = await openBackend(cluster.url(freshPrefix()));
    const b = await openBackend(cluster.url(freshPrefix()));
    try {
      const kv = await a.create('/registry/pods/x', Buffer.from('a'));
      assert.equal((await b.get('/registry/pods/x')).kv, undefined);
      assert.equal((await b.count('')).count, 0);
      await b.create('/registry/pods/x', Buffer.from('b'));
      const err = await a.update('/registry/pods/x', Buffer.from('a2'), kv.modRevision - 1).catch((e) => e);
      assert.ok(err instanceof StoreError && err.storeReason === 'Conflict');
      assert.equal(err.current?.value.toString(), 'a');
      assert.equal(err.current?.key, '/registry/pods/x');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

export type { Backend, Event };
