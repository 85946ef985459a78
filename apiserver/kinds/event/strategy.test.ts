import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { eventStrategy } from './strategy.js';

describe('Event', () => {
  const strategy = eventStrategy(3600);
  const event = () =>
    fromYaml<Event>(`
apiVersion: v1
kind: Event
metadata: {name: web.17a2, namespace: default}
involvedObject: {kind: Pod, name: web, namespace: default, uid: u-1}
reason: Scheduled
message: Successfully assigned default/web to node-1
type: Normal
source: {component: default-scheduler}
count: 1
`);

  it('accepts a realistic Event and selects on its fields', () => {
    const e = event();
    assert.deepEqual(messages(strategy.validate(e, ctx)), []);
    const f = strategy.fieldSelectors!;
    assert.deepEqual(
      [
        'involvedObject.kind',
        'involvedObject.name',
        'involvedObject.namespace',
        'involvedObject.uid',
        'reason',
        'type',
        'source',
      ].map((k) => f[k]?.(e)),
      ['Pod', 'web', 'default', 'u-1', 'Scheduled', 'Normal', 'default-scheduler'],
    );
    assert.equal(strategy.ttlSeconds?.(e), 3600);
  });

  it('needs an involved object in its namespace and a known type', () => {
    const e = event();
    e.type = 'Info';
    e.involvedObject!.namespace = 'other';
    assert.deepEqual(messages(strategy.validate(e, ctx)), [
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
      'type: Unsupported value: "Info": supported values: "Normal", "Warning"',
    ]);
    e.involvedObject = undefined;
    e.type = 'Warning';
    assert.deepEqual(messages(strategy.validate(e, ctx)), ['involvedObject: Required value']);
  });
});
