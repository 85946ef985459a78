import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { computeZoneState, ZoneLimiters, zoneOf, zoneRate } from './zone-state.js';

const rates = {
  evictionRate: 0.1,
  secondaryEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterThreshold: 50,
};

describe('zone state', () => {
  it('is FullDisruption with no Ready node, PartialDisruption above the threshold with more than 2 down', () => {
    assert.equal(computeZoneState(['Unknown'], 0.55), 'FullDisruption');
    assert.equal(computeZoneState(['True', 'Unknown'], 0.55), 'Normal');
    assert.equal(computeZoneState(['True', 'False', 'Unknown'], 0.55), 'Normal');
    assert.equal(computeZoneState(['True', 'False', 'Unknown', 'Unknown'], 0.55), 'PartialDisruption');
    assert.equal(computeZoneState(['True', 'True', 'False', 'Unknown', 'Unknown', 'True'], 0.55), 'Normal');
  });
  it('rates: normal, secondary only in large zones, none when every zone is down', () => {
    assert.equal(zoneRate('Normal', 3, false, rates), 0.1);
    assert.equal(zoneRate('FullDisruption', 3, false, rates), 0.1);
    assert.equal(zoneRate('PartialDisruption', 10, false, rates), 0);
    assert.equal(zoneRate('PartialDisruption', 51, false, rates), 0.01);
    assert.equal(zoneRate('Normal', 3, true, rates), 0);
  });
  it('limits tainting per zone to its rate', () => {
    let now = 0;
    const limiters = new ZoneLimiters(() => now);
    limiters.setRate('a', 0.1);
    limiters.setRate('b', 0);
    assert.equal(limiters.tryAccept('a'), true);
    assert.equal(limiters.tryAccept('a'), false);
    assert.equal(limiters.tryAccept('b'), false);
    now = 10_000;
    assert.equal(limiters.tryAccept('a'), true);
  });
  it('keys zones by region and zone labels', () => {
    const n = Node.fromPartial({
      metadata: { labels: { 'topology.kubernetes.io/zone': 'z1', 'topology.kubernetes.io/region': 'r' } },
    });
    assert.equal(zoneOf(n), 'r:\0:z1');
    assert.equal(zoneOf(Node.fromPartial({ metadata: {} })), '');
  });
});
