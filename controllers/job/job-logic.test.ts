import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Job, type JobCondition } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ensureCondition, isJobFinished, newCondition } from './job-conditions.js';
import { isPodFailed, jobTrackingFinalizer, newJobPod, pastBackoffLimitOnFailure } from './job-pods.js';
import { finishedTime, nextBackoffRecord, noBackoff, remainingBackoff } from './pod-failure-backoff.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { newJob } from './testing.js';

const s = 1000;

function finished(phase: string, at: number): Pod {
  return Pod.fromPartial({
    status: {
      phase,
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: new Date(at) }],
    },
  });
}

test('the pod-failure backoff doubles from 10 s per failure since the last success, capped', () => {
  const base = 10 * s;
  const max = 360 * s;
  let r = nextBackoffRecord(noBackoff, [], [finished('Failed', 100 * s)], 100 * s);
  assert.deepEqual(r, { failuresAfterLastSuccess: 1, lastFailureTime: 100 * s });
  assert.equal(remainingBackoff(r, 104 * s, base, max), 6 * s);
  assert.equal(remainingBackoff(r, 110 * s, base, max), 0);
  r = nextBackoffRecord(r, [], [finished('Failed', 120 * s), finished('Failed', 115 * s)], 120 * s);
  assert.deepEqual(r, { failuresAfterLastSuccess: 3, lastFailureTime: 120 * s });
  assert.equal(remainingBackoff(r, 120 * s, base, max), 40 * s, '10, 20, 40');
  r = { failuresAfterLastSuccess: 12, lastFailureTime: 0 };
  assert.equal(remainingBackoff(r, 0, base, max), max, 'capped at six minutes');
  // A success resets; failures after it count again.
  r = nextBackoffRecord(r, [finished('Succeeded', 200 * s)], [finished('Failed', 150 * s)], 200 * s);
  assert.deepEqual(r, noBackoff);
  r = nextBackoffRecord(r, [finished('Succeeded', 200 * s)], [finished('Failed', 210 * s)], 210 * s);
  assert.deepEqual(r, { failuresAfterLastSuccess: 1, lastFailureTime: 210 * s });
});

test('a pod finished when its containers terminated, else when it stopped being ready, else deleted', () => {
  const pod = finished('Failed', 5 * s);
  assert.equal(finishedTime(pod, 99 * s), 5 * s);
  pod.status?.containerStatuses.push({
    name: 'a',
    state: { terminated: { exitCode: 1, finishedAt: new Date(7 * s) } },
  } as never);
  assert.equal(finishedTime(pod, 99 * s), 7 * s);
  const deleted = Pod.fromPartial({ metadata: { deletionTimestamp: new Date(3 * s) } });
  assert.equal(finishedTime(deleted, 99 * s), 3 * s);
  assert.equal(finishedTime(Pod.fromPartial({}), 99 * s), 99 * s);
});

test('a deleted pod counts as failed unless only Failed pods are replaced', () => {
  const job = newJob('j');
  const deleting = Pod.fromPartial({
    metadata: { deletionTimestamp: new Date() },
    status: { phase: 'Running' },
  });
  assert.equal(isPodFailed(deleting, job), true);
  const deletedAfterSuccess = Pod.fromPartial({
    metadata: { deletionTimestamp: new Date() },
    status: { phase: 'Succeeded' },
  });
  assert.equal(isPodFailed(deletedAfterSuccess, job), false);
  const strict = newJob('k', { podReplacementPolicy: 'Failed' });
  assert.equal(isPodFailed(deleting, strict), false);
  assert.equal(isPodFailed(finished('Failed', 0), strict), true);
});

test('OnFailure pods fail the Job once their restarts reach backoffLimit', () => {
  const job = newJob('j', { backoffLimit: 3 });
  job.spec!.template!.spec!.restartPolicy = 'OnFailure';
  const running = (restarts: number) =>
    Pod.fromPartial({
      status: { phase: 'Running', containerStatuses: [{ name: 'a', restartCount: restarts }] },
    });
  assert.equal(pastBackoffLimitOnFailure(job, [running(1), running(1)]), false);
  assert.equal(pastBackoffLimitOnFailure(job, [running(2), running(1)]), true);
  job.spec!.backoffLimit = 0;
  assert.equal(pastBackoffLimitOnFailure(job, [running(1)]), true);
  job.spec!.template!.spec!.restartPolicy = 'Never';
  assert.equal(pastBackoffLimitOnFailure(job, [running(9)]), false);
});

test("a Job's pod: template, finalizer, controller; indexed pods get index, env, hostname", () => {
  const job = newJob('pi', { completionMode: 'Indexed', completions: 4 });
  job.metadata!.uid = 'u-1';
  job.spec!.template!.spec!.initContainers = [{ name: 'init', image: 'busybox', env: [] } as never];
  const plain = newJobPod(newJob('pi'), undefined);
  assert.equal(plain.metadata?.generateName, 'pi-');
  assert.deepEqual(plain.metadata?.finalizers, [jobTrackingFinalizer]);
  assert.equal(plain.spec?.hostname, '');
  const pod = newJobPod(job, 2);
  assert.equal(pod.metadata?.generateName, 'pi-2-');
  assert.equal(pod.metadata?.annotations['batch.kubernetes.io/job-completion-index'], '2');
  assert.equal(pod.metadata?.labels['batch.kubernetes.io/job-completion-index'], '2');
  assert.equal(pod.metadata?.labels.app, 'pi');
  assert.equal(pod.spec?.hostname, 'pi-2');
  assert.deepEqual(pod.metadata?.ownerReferences[0], {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: 'pi',
    uid: 'u-1',
    controller: true,
    blockOwnerDeletion: true,
  });
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    const env = c.env.filter((e) => e.name === 'JOB_COMPLETION_INDEX');
    assert.equal(env.length, 1, c.name);
    assert.equal(
      env[0]?.valueFrom?.fieldRef?.fieldPath,
      "metadata.annotations['batch.kubernetes.io/job-completion-index']",
    );
  }
  assert.equal(job.spec?.template?.spec?.containers[0]?.env.length, 0, 'the Job is not changed');
});

test('conditions: set, changed, never added as False; finished only by Complete or Failed', () => {
  const now = new Date(1000);
  const conditions: JobCondition[] = [];
  assert.equal(ensureCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now), false);
  assert.equal(ensureCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now), true);
  assert.equal(ensureCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now), false);
  assert.equal(ensureCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now), true);
  assert.equal(conditions.length, 1);
  const job = Job.fromPartial({
    status: { conditions: [newCondition('FailureTarget', 'True', 'x', 'y', now)] },
  });
  assert.equal(isJobFinished(job), false);
  job.status?.conditions.push(newCondition('Failed', 'True', 'x', 'y', now));
  assert.equal(isJobFinished(job), true);
});

test('pod failure policy: the first matching rule decides; exit code 0 and unlisted failures count', () => {
  const policy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      {
        action: 'FailJob',
        onExitCodes: { containerName: 'main', operator: 'In', values: [42] },
        onPodConditions: [],
      },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] }, onPodConditions: [] },
    ],
  };
  const failedWith = (exitCode: number, container = 'main', conditions: string[] = []) =>
    Pod.fromPartial({
      metadata: { namespace: 'ns', name: 'p' },
      status: {
        phase: 'Failed',
        conditions: conditions.map((type) => ({ type, status: 'True' })),
        containerStatuses: [{ name: container, state: { terminated: { exitCode } } }],
      },
    });
  assert.deepEqual(matchPodFailurePolicy(policy, failedWith(1, 'main', ['DisruptionTarget'])), {
    countFailed: false,
    action: 'Ignore',
  });
  assert.deepEqual(matchPodFailurePolicy(policy, failedWith(42)), {
    jobFailureMessage:
      'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1',
    countFailed: true,
    action: 'FailJob',
  });
  assert.deepEqual(matchPodFailurePolicy(policy, failedWith(42, 'side')), {
    countFailed: true,
    action: 'Count',
  });
  assert.deepEqual(matchPodFailurePolicy(policy, failedWith(1)), { countFailed: true });
  assert.deepEqual(matchPodFailurePolicy(policy, failedWith(0)), { countFailed: true });
  const running = Pod.fromPartial({
    status: { phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True' }] },
  });
  assert.deepEqual(matchPodFailurePolicy(policy, running), { countFailed: true });
});
