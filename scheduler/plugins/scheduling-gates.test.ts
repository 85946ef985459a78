import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { EnqueueExtensions, Handle, PreEnqueuePlugin } from '../framework/interface.js';
import { SCHEDULING_GATES, schedulingGates } from './scheduling-gates.js';

const plugin = schedulingGates({}, {} as Handle) as PreEnqueuePlugin & EnqueueExtensions;
const pod = (gates: string[], uid = 'u1') =>
  Pod.fromPartial({
    metadata: { name: 'p', uid },
    spec: { schedulingGates: gates.map((name) => ({ name })) },
  });

test('a pod without gates enters the queue', () => {
  assert.equal(plugin.name, SCHEDULING_GATES);
  assert.ok(plugin.preEnqueue(pod([])).isSuccess());
});

test('a gated pod is Pending with the gates listed as kube prints them', () => {
  const s = plugin.preEnqueue(pod(['example.com/quota', 'example.com/approval']));
  assert.equal(s.code, 'Pending');
  assert.equal(s.message(), 'waiting for scheduling gates: [example.com/quota example.com/approval]');
  assert.equal(plugin.preEnqueue(pod(['one'])).message(), 'waiting for scheduling gates: [one]');
});

test("events: the pod's own gates removed", () => {
  const [e, ...rest] = plugin.eventsToRegister();
  assert.equal(rest.length, 0);
  assert.deepEqual(e?.event, { resource: 'UnscheduledPod', action: 'UpdatePodSchedulingGatesEliminated' });
  assert.equal(e?.hint?.(pod(['a']), pod(['a']), pod([])), 'Queue');
  assert.equal(e?.hint?.(pod(['a']), pod(['a'], 'u2'), pod([], 'u2')), 'Skip', 'another pod');
});
