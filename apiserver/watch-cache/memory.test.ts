import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_WATCH_CACHE_MAX_BYTES,
  decodedBytes,
  eventBytes,
  parseByteSize,
  parseWatchCacheMaxBytes,
} from './memory.js';

describe('watch cache memory', () => {
  it('weighs a large object at about its size, a small structured one at several times it', () => {
    const kib256 = 256 * 1024;
    // A 256 KiB ConfigMap decodes to about 257 KiB; its cached encoding is as long again.
    assert.ok(decodedBytes(kib256) > kib256 && decodedBytes(kib256) < kib256 * 1.1);
    assert.equal(eventBytes(kib256), decodedBytes(kib256) + kib256);
    // An 812-byte Pod decodes to about 6.3 KiB.
    assert.ok(decodedBytes(812) > 5 * 1024 && decodedBytes(812) < 7 * 1024);
    assert.equal(decodedBytes(0), 1024);
  });

  it('parses byte sizes as numbers or quantities', () => {
    assert.equal(parseByteSize('1048576', 'x'), 1 << 20);
    assert.equal(parseByteSize('64Mi', 'x'), 64 << 20);
    assert.equal(parseByteSize('512Ki', 'x'), 512 << 10);
    assert.equal(parseByteSize('1G', 'x'), 1e9);
    assert.equal(parseByteSize('0', 'x'), 0);
    assert.throws(() => parseByteSize('lots', '--flag'), /invalid --flag "lots"/);
    assert.throws(() => parseByteSize('-1Mi', '--flag'), /out of range/);
  });

  it('parses --watch-cache-max-bytes: a default and overrides by resource', () => {
    assert.deepEqual(parseWatchCacheMaxBytes(''), {
      defaultBytes: DEFAULT_WATCH_CACHE_MAX_BYTES,
      byResource: new Map(),
    });
    assert.deepEqual(parseWatchCacheMaxBytes('32Mi, configmaps#8Mi,secrets#0'), {
      defaultBytes: 32 << 20,
      byResource: new Map([
        ['configmaps', 8 << 20],
        ['secrets', 0],
      ]),
    });
    assert.deepEqual(parseWatchCacheMaxBytes('pods#1Gi').defaultBytes, DEFAULT_WATCH_CACHE_MAX_BYTES);
    assert.throws(() => parseWatchCacheMaxBytes('#8Mi'), /use resource#size/);
    assert.throws(() => parseWatchCacheMaxBytes('pods#many'), /invalid --watch-cache-max-bytes size/);
  });
});
