import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hasLastApplied,
  LAST_APPLIED_ANNOTATION,
  lastAppliedOf,
  withLastApplied,
  withoutLastApplied,
} from './last-applied.js';

const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', annotations: { team: 'a' } } };

test('the record is the manifest without the record, as compact JSON', () => {
  const recorded = withLastApplied(manifest);
  const annotations = (recorded.metadata as { annotations: Record<string, string> }).annotations;
  assert.equal(annotations[LAST_APPLIED_ANNOTATION], JSON.stringify(manifest));
  assert.equal(annotations.team, 'a');
  assert.deepEqual(lastAppliedOf(recorded), manifest);
  // Recording again replaces the record rather than nesting it.
  assert.deepEqual(withLastApplied(recorded), recorded);
  assert.deepEqual(withoutLastApplied(recorded), manifest);
  assert.equal(hasLastApplied(recorded), true);
  assert.equal(hasLastApplied(manifest), false);
  assert.equal('annotations' in (manifest.metadata as object), true, 'the input is left alone');
});

test('no record, an empty record and a broken one', () => {
  assert.equal(lastAppliedOf({ metadata: {} }), undefined);
  assert.equal(lastAppliedOf({ metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: '' } } }), undefined);
  assert.throws(
    () => lastAppliedOf({ metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: '{not json' } } }),
    /is not valid JSON .*remove it/,
  );
  assert.throws(
    () => lastAppliedOf({ metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: '[1]' } } }),
    /is not a JSON object/,
  );
  const bare = withoutLastApplied({
    metadata: { name: 'x', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } },
  });
  assert.deepEqual(bare, { metadata: { name: 'x' } }, 'an emptied annotations map goes too');
});
