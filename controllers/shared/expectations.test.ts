import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createExpectations } from './expectations.js';

test('creations are satisfied once each is observed or skipped', () => {
  const e = createExpectations();
  assert.equal(e.satisfied('ns/rs'), true, 'never set');
  e.expectCreations('ns/rs', 3);
  e.creationObserved('ns/rs');
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationSkipped('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);
  e.creationObserved('ns/rs'); // a late event does not go negative
  e.expectCreations('ns/rs', 1);
  assert.equal(e.satisfied('ns/rs'), false);
});

test('deletions are tracked by pod: the same pod seen twice counts once', () => {
  const e = createExpectations();
  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a');
  assert.deepEqual(e.pending('ns/rs'), { adds: 0, deletes: 1 });
  assert.equal(e.satisfied('ns/rs'), false);
  e.deletionSkipped('ns/rs', 'ns/b');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('creations and deletions expected at once are satisfied once both are seen', () => {
  const e = createExpectations();
  e.expect('ns/ds', 1, ['ns/old']);
  e.creationObserved('ns/ds');
  assert.equal(e.satisfied('ns/ds'), false);
  e.deletionObserved('ns/ds', 'ns/old');
  assert.equal(e.satisfied('ns/ds'), true);
});

test('expectations expire, so a lost event cannot wedge an owner', () => {
  let now = 0;
  const e = createExpectations({ now: () => now, timeoutMs: 1000 });
  e.expectCreations('ns/rs', 5);
  now = 999;
  assert.equal(e.satisfied('ns/rs'), false);
  now = 1001;
  assert.equal(e.satisfied('ns/rs'), true);
  e.delete('ns/rs');
  assert.equal(e.pending('ns/rs'), undefined);
});

test('created pods count from their responses: settled once every create is answered', () => {
  const e = createExpectations();
  e.expectCreations('ns/rs', 3);
  e.creationSucceeded('ns/rs', 'ns/a', '10');
  e.creationSucceeded('ns/rs', 'ns/b', '11');
  assert.equal(e.settled('ns/rs'), false, 'one create still in flight');
  e.creationSkipped('ns/rs');
  assert.equal(e.settled('ns/rs'), true);
  assert.equal(e.satisfied('ns/rs'), false, 'the informer has seen none of them');
  assert.deepEqual(
    [...e.unobservedCreations('ns/rs')],
    [
      ['ns/a', '10'],
      ['ns/b', '11'],
    ],
  );
  e.creationObserved('ns/rs', 'ns/a');
  assert.deepEqual([...e.unobservedCreations('ns/rs').keys()], ['ns/b']);
  e.forgetCreated('ns/rs', 'ns/b');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('a pod seen before its response is counted once', () => {
  const e = createExpectations();
  e.expectCreations('ns/rs', 2);
  e.creationObserved('ns/rs', 'ns/a'); // the watch event came first
  e.creationSucceeded('ns/rs', 'ns/a', '10');
  assert.equal(e.settled('ns/rs'), false, 'the second create is still in flight');
  e.creationSucceeded('ns/rs', 'ns/b', '11');
  assert.deepEqual([...e.unobservedCreations('ns/rs').keys()], ['ns/b']);
  e.creationObserved('ns/rs', 'ns/b');
  assert.equal(e.satisfied('ns/rs'), true);
  assert.deepEqual(e.pending('ns/rs'), { adds: 0, deletes: 0 });
});

test('pods created and not yet seen stay counted when a later pass expects more', () => {
  const e = createExpectations();
  e.expectCreations('ns/rs', 1);
  e.creationSucceeded('ns/rs', 'ns/a', '10');
  // The next burst starts before the informer shows ns/a: it must still count it, or a
  // third pass would create ns/a's replacement as well.
  e.expectCreations('ns/rs', 2);
  assert.deepEqual([...e.unobservedCreations('ns/rs').keys()], ['ns/a']);
  e.expectDeletions('ns/rs', ['ns/old']);
  assert.deepEqual([...e.unobservedCreations('ns/rs').keys()], ['ns/a']);
  assert.equal(e.settled('ns/rs'), false, 'the deletion is not seen yet');
});

test('unseen creations expire with their expectations', () => {
  let now = 0;
  const e = createExpectations({ now: () => now, timeoutMs: 1000 });
  e.expectCreations('ns/rs', 1);
  e.creationSucceeded('ns/rs', 'ns/a', '10');
  now = 1001;
  assert.equal(e.unobservedCreations('ns/rs').size, 0);
  e.expectCreations('ns/rs', 1);
  assert.equal(e.unobservedCreations('ns/rs').size, 0, 'an expired record is not carried over');
});
