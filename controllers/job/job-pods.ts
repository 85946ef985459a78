/**
 * What the Job controller reads from and writes onto its Pods: the tracking finalizer,
 * failed/terminating as the Job counts them, and new Pods made from the template.
 */
import type { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { Container } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { controllerRef } from '../../sdk/owner-references.js';
import { isPodReady } from '../shared/pod-state.js';
import {
  jobCompletionIndexAnnotation,
  jobCompletionIndexEnv,
  podGenerateNameWithIndex,
} from './completion-index.js';

/**
 * Every Pod of a Job carries this finalizer until the Job has counted its outcome in
 * status: a Pod deleted (by a user, the garbage collector, a node going away) before the
 * controller saw it finish is therefore never lost from the counts.
 */
export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers.includes(jobTrackingFinalizer) ?? false;
}

/**
 * Failed pods are replaced only once Failed (`podReplacementPolicy: Failed`, implied by a
 * pod failure policy); otherwise a terminating Pod already counts as failed.
 */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;
}

/** Failed as the Job counts it: phase Failed, or deleted before it succeeded (unless only Failed counts). */
export function isPodFailed(pod: Pod, job: Job): boolean {
  const phase = pod.status?.phase ?? '';
  if (phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata?.deletionTimestamp !== undefined && phase !== 'Succeeded';
}

export function countReady(pods: readonly Pod[]): number {
  return pods.filter(isPodReady).length;
}

/**
 * The sum of container restarts of running and pending Pods reached backoffLimit (with
 * `restartPolicy: OnFailure` failures restart containers instead of failing Pods).
 */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    const phase = pod.status?.phase ?? '';
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])])
      restarts += s.restartCount;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function withIndexEnv(container: Container): Container {
  if (container.env.some((e) => e.name === jobCompletionIndexEnv)) return container;
  return {
    ...container,
    env: [
      ...container.env,
      {
        name: jobCompletionIndexEnv,
        value: '',
        valueFrom: {
          fieldRef: {
            apiVersion: 'v1',
            fieldPath: `metadata.annotations['${jobCompletionIndexAnnotation}']`,
          },
        },
      },
    ],
  };
}

/**
 * A new Pod of `job`: the template's labels, annotations and spec, the tracking finalizer
 * and the Job as controller. With an index (Indexed Jobs) it also gets the index as
 * annotation and label, `JOB_COMPLETION_INDEX` in every container from the annotation
 * (the kubelet resolves the fieldRef), the hostname `<job>-<index>`, and the name prefix
 * `<job>-<index>-`.
 */
export function newJobPod(job: Job, index: number | undefined): Pod {
  const template = job.spec?.template;
  const name = job.metadata?.name ?? '';
  const labels = { ...template?.metadata?.labels };
  const annotations = { ...template?.metadata?.annotations };
  const finalizers = [...(template?.metadata?.finalizers ?? [])];
  if (!finalizers.includes(jobTrackingFinalizer)) finalizers.push(jobTrackingFinalizer);
  const spec = structuredClone(template?.spec);
  if (index !== undefined) {
    annotations[jobCompletionIndexAnnotation] = String(index);
    labels[jobCompletionIndexAnnotation] = String(index);
    if (spec) {
      spec.initContainers = spec.initContainers.map(withIndexEnv);
      spec.containers = spec.containers.map(withIndexEnv);
      spec.hostname = `${name}-${index}`;
    }
  }
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : podGenerateNameWithIndex(name, index),
      namespace: job.metadata?.namespace ?? '',
      labels,
      annotations,
      finalizers,
      ownerReferences: [controllerRef(job)],
    },
    ...(spec ? { spec } : {}),
  });
}
