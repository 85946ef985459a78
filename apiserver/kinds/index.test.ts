import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kinds } from '../../sdk/kinds.js';
import { createStrategies } from './index.js';

describe('createStrategies', () => {
  const strategies = createStrategies({ eventTtlSeconds: 3600 });

  it('has a strategy for every kind of the kind table, and nothing else', () => {
    assert.deepEqual([...strategies.keys()].sort(), kinds.map((k) => k.kind).sort());
    for (const [kind, s] of strategies) assert.equal(s.info.kind, kind);
  });

  it('gives exactly the kinds with a status subresource a status strategy', () => {
    for (const info of kinds) {
      assert.equal(strategies.get(info.kind)?.status !== undefined, info.status, info.kind);
    }
  });

  it('keeps Events for the configured time only', () => {
    const event = strategies.get('Event')!;
    assert.equal(event.ttlSeconds?.({ apiVersion: 'v1', kind: 'Event' }), 3600);
    const short = createStrategies({ eventTtlSeconds: 60 }).get('Event')!;
    assert.equal(short.ttlSeconds?.({ apiVersion: 'v1', kind: 'Event' }), 60);
    assert.equal(strategies.get('Pod')?.ttlSeconds, undefined);
  });

  it('names namespaces by DNS label and RBAC objects by path segment', () => {
    assert.equal(strategies.get('Namespace')?.nameRule, 'label');
    assert.equal(strategies.get('ClusterRole')?.nameRule, 'path-segment');
    assert.equal(strategies.get('Pod')?.nameRule, 'subdomain');
  });
});
