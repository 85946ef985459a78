/** The tracker of this controller's own slice writes: when the cache may be trusted again. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { SERVICE_NAME_LABEL } from '../../sdk/labels/well-known.js';
import { createEndpointSliceTracker } from './endpoint-slice-tracker.js';

const slice = (uid: string, resourceVersion: string) =>
  EndpointSlice.fromPartial({
    metadata: {
      name: uid,
      namespace: 'default',
      uid,
      resourceVersion,
      labels: { [SERVICE_NAME_LABEL]: 'web' },
    },
  });
const key = 'default/web';

test('a Service nothing was written for is never stale, and every slice change is news', () => {
  const tracker = createEndpointSliceTracker();
  assert.equal(tracker.stale(key, [slice('a', '3')]), false);
  assert.equal(tracker.shouldSync(slice('a', '3')), true);
  assert.equal(tracker.has(slice('a', '3')), false);
});

test('a write is stale in the cache until the cache holds that revision or a later one', () => {
  const tracker = createEndpointSliceTracker();
  tracker.update(slice('a', '10'));
  assert.equal(tracker.stale(key, []), true, 'a created slice not in the cache yet');
  assert.equal(tracker.stale(key, [slice('a', '9')]), true, 'an older copy');
  assert.equal(tracker.stale(key, [slice('a', '10')]), false);
  assert.equal(tracker.stale(key, [slice('a', '12')]), false);
  assert.equal(tracker.shouldSync(slice('a', '10')), false, 'its own write coming back');
  assert.equal(tracker.shouldSync(slice('a', '12')), true, 'someone else’s later edit');
});

test('a deletion is stale while the cache still has the slice; only an unexpected one asks for a sync', () => {
  const tracker = createEndpointSliceTracker();
  tracker.update(slice('a', '10'));
  tracker.update(slice('b', '11'));
  tracker.expectDeletion(slice('a', '10'));
  assert.equal(tracker.stale(key, [slice('a', '10'), slice('b', '11')]), true);
  assert.equal(tracker.stale(key, [slice('b', '11')]), false);
  assert.equal(tracker.handleDeletion(slice('a', '10')), true, 'deleted by this controller');
  assert.equal(tracker.handleDeletion(slice('b', '11')), false, 'deleted by someone else');
  assert.equal(tracker.has(slice('b', '11')), false);
  tracker.update(slice('c', '20'));
  tracker.deleteService(key);
  assert.equal(tracker.stale(key, []), false, 'forgotten with its Service');
});
