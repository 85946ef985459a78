import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InlineWrites } from './inline-writes.js';

describe('inline WAL writes', () => {
  it('writes small records inline, large ones in the thread pool', () => {
    const policy = new InlineWrites({ maxBytes: 1000 });
    assert.equal(policy.inline(1000), true);
    assert.equal(policy.inline(1001), false);
  });

  it('shrugs off a hiccup, but not a slow device, and tries inline again after the backoff', () => {
    let now = 0;
    const policy = new InlineWrites({ slowMs: 1, stallMs: 20, backoffMs: 5000, now: () => now });
    for (const ms of [0.2, 3, 0.3, 0.2, 5, 0.25]) policy.wrote(ms);
    assert.equal(policy.inline(10), true, 'two hiccups among fast writes change nothing');
    for (let i = 0; i < 5; i++) policy.wrote(4);
    assert.equal(policy.inline(10), false, 'most recent writes were slow');
    now = 4999;
    assert.equal(policy.inline(10), false);
    now = 5000;
    assert.equal(policy.inline(10), true);
  });

  it('offloads at once after a stalled write', () => {
    const policy = new InlineWrites({ stallMs: 20, now: () => 0 });
    policy.wrote(25);
    assert.equal(policy.inline(10), false);
  });
});
