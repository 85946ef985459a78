/** The stages of a simulated pod, pod in → action out, on a fixed clock. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Pod, type PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { createPodIPAllocator } from './addresses.js';
import {
  COMPLETE_AFTER_ANNOTATION,
  FAIL_AFTER_ANNOTATION,
  nextPodAction,
  type StageInputs,
} from './pod-stages.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const inputs = (ms: number, extra: Partial<StageInputs> = {}): StageInputs => ({
  hostIP: '172.16.0.1',
  podIP: '10.64.0.1',
  now: at(ms),
  startupDelayMs: 0,
  seenAt: t0,
  ...extra,
});

function pod(
  opts: { annotations?: Record<string, string>; restartPolicy?: string; status?: PodStatus } = {},
): Pod {
  return Pod.fromPartial({
    metadata: { name: 'p', namespace: 'default', uid: 'uid-1', annotations: opts.annotations ?? {} },
    spec: {
      nodeName: 'sim-node-0',
      restartPolicy: opts.restartPolicy ?? 'Always',
      containers: [{ name: 'c', image: 'nginx' }],
    },
    status: opts.status ?? {
      phase: 'Pending',
      qosClass: 'BestEffort',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: t0 }],
    },
  });
}

/** The pod after a status action is written. */
function written(p: Pod, action: ReturnType<typeof nextPodAction>): Pod {
  assert.equal(action.type, 'status');
  return { ...p, status: action.type === 'status' ? action.status : p.status };
}

describe('simulated pod stages', () => {
  test('bound → Running and Ready once the startup delay has passed', () => {
    const p = pod();
    assert.deepEqual(nextPodAction(p, inputs(100, { startupDelayMs: 500 })), {
      type: 'wait',
      afterMs: 400,
      stage: 'pod-ready',
    });
    const action = nextPodAction(p, inputs(500, { startupDelayMs: 500 }));
    assert.equal(action.stage, 'pod-ready');
    const running = written(p, action);
    assert.equal(running.status?.phase, 'Running');
    assert.equal(running.status?.podIp, '10.64.0.1');
    assert.equal(running.status?.hostIp, '172.16.0.1');
    assert.deepEqual(running.status?.startTime, at(500));
    assert.equal(running.status?.qosClass, 'BestEffort', 'what the apiserver set stays');
    assert.deepEqual(
      running.status?.conditions.map((c) => `${c.type}=${c.status}`),
      [
        'PodReadyToStartContainers=True',
        'Initialized=True',
        'Ready=True',
        'ContainersReady=True',
        'PodScheduled=True',
      ],
    );
    assert.deepEqual(
      running.status?.conditions.find((c) => c.type === 'PodScheduled')?.lastTransitionTime,
      t0,
    );
    // Nothing changed since: nothing to write, however late.
    assert.deepEqual(nextPodAction(running, inputs(60_000)), { type: 'none', stage: 'pod-ready' });
  });

  test('complete-after: Running, then Succeeded that long after the start', () => {
    const p = pod({ restartPolicy: 'Never', annotations: { [COMPLETE_AFTER_ANNOTATION]: '2s' } });
    const first = nextPodAction(p, inputs(0));
    assert.equal(first.type === 'status' && first.requeueAfterMs, 2000);
    const running = written(p, first);
    assert.deepEqual(nextPodAction(running, inputs(1500)), {
      type: 'wait',
      afterMs: 500,
      stage: 'pod-complete',
    });
    const done = written(running, nextPodAction(running, inputs(2000)));
    assert.equal(done.status?.phase, 'Succeeded');
    const c = done.status?.containerStatuses[0];
    assert.equal(c?.state?.terminated?.exitCode, 0);
    assert.deepEqual(c?.state?.terminated?.startedAt, t0);
    assert.deepEqual(c?.state?.terminated?.finishedAt, at(2000));
    assert.equal(
      c?.containerId,
      running.status?.containerStatuses[0]?.containerId,
      'the same container exited',
    );
    assert.deepEqual(nextPodAction(done, inputs(9000)), { type: 'none' });
  });

  test('fail-after: Failed with Never, restarts each period with OnFailure, ignored with Always', () => {
    const never = pod({ restartPolicy: 'Never', annotations: { [FAIL_AFTER_ANNOTATION]: '1s' } });
    const failed = written(
      never,
      nextPodAction(written(never, nextPodAction(never, inputs(0))), inputs(1000)),
    );
    assert.equal(failed.status?.phase, 'Failed');
    assert.equal(failed.status?.containerStatuses[0]?.state?.terminated?.reason, 'Error');

    const onFailure = pod({ restartPolicy: 'OnFailure', annotations: { [FAIL_AFTER_ANNOTATION]: '1s' } });
    const running = written(onFailure, nextPodAction(onFailure, inputs(0)));
    const action = nextPodAction(running, inputs(2500));
    assert.equal(action.stage, 'container-restart');
    assert.equal(action.type === 'status' && action.requeueAfterMs, 500);
    const restarted = written(running, action);
    const c = restarted.status?.containerStatuses[0];
    assert.equal(restarted.status?.phase, 'Running');
    assert.equal(c?.restartCount, 2);
    assert.deepEqual(c?.state?.running?.startedAt, at(2000));
    assert.deepEqual(c?.lastState?.terminated?.finishedAt, at(2000));
    assert.notEqual(c?.containerId, running.status?.containerStatuses[0]?.containerId);

    const always = pod({ annotations: { [FAIL_AFTER_ANNOTATION]: '1s' } });
    const stays = written(always, nextPodAction(always, inputs(0)));
    assert.deepEqual(nextPodAction(stays, inputs(5000)), { type: 'none', stage: 'pod-ready' });
  });

  test('deletion is confirmed at once, once; a held pod first gets its last status', () => {
    const running = written(pod(), nextPodAction(pod(), inputs(0)));
    const deleting = {
      ...running,
      metadata: { ...running.metadata!, deletionTimestamp: at(30_000), deletionGracePeriodSeconds: '30' },
    };
    assert.deepEqual(nextPodAction(deleting, inputs(10)), { type: 'confirm-deletion', stage: 'pod-delete' });
    const held = { ...deleting, metadata: { ...deleting.metadata, finalizers: ['example.com/x'] } };
    const action = nextPodAction(held, inputs(10));
    assert.equal(action.type, 'confirm-deletion');
    assert.equal(action.type === 'confirm-deletion' && action.finalStatus?.phase, 'Succeeded');
    const confirmed = { ...held, metadata: { ...held.metadata, deletionGracePeriodSeconds: '0' } };
    assert.deepEqual(nextPodAction(confirmed, inputs(20)), { type: 'none', stage: 'pod-delete' });
  });

  test('pod addresses: lowest free first, kept per pod, reserved after a restart, never twice', () => {
    const ips = createPodIPAllocator('10.64.1.0/24');
    assert.equal(ips.allocate('a'), '10.64.1.1');
    assert.equal(ips.allocate('a'), '10.64.1.1');
    assert.equal(ips.reserve('b', '10.64.1.2'), true);
    assert.equal(ips.reserve('c', '10.64.1.2'), false, 'held by b');
    assert.equal(ips.reserve('c', '10.64.2.7'), false, 'not in this range');
    assert.equal(ips.allocate('c'), '10.64.1.3');
    ips.release('a');
    assert.equal(ips.size(), 2);
    for (let i = 0; i < 252; i++) ips.allocate(`x${i}`);
    assert.throws(() => ips.allocate('one-too-many'), /no pod address left in 10\.64\.1\.0\/24/);
  });
});
