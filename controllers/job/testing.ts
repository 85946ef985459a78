/**
 * For the Job controllers' integration tests: Jobs to create, and Pod phases written the
 * way a kubelet reports them (there is no kubelet in these clusters).
 */
import type { Clientset } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { Job, type JobSpec } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import { type Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { listPods } from '../shared/testing.js';

/** A Job whose Pods run one container that never restarts. */
export function newJob(
  name: string,
  spec: Partial<Omit<JobSpec, 'template'>> = {},
  namespace = 'default',
): Job {
  return Job.fromPartial({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace },
    spec: {
      ...spec,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'work', image: 'busybox:1.36', command: ['sh', '-c', 'true'] }],
        },
      },
    },
  });
}

/** The Pods of a Job (by its job-name label), in creation order. */
export async function podsOf(clients: Clientset, job: string, namespace = 'default'): Promise<Pod[]> {
  const pods = await listPods(clients, namespace, `batch.kubernetes.io/job-name=${job}`);
  return pods.sort(
    (a, b) =>
      (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0) ||
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
}

/** Neither finished nor being deleted. */
export function isRunning(pod: Pod): boolean {
  const phase = pod.status?.phase ?? '';
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp === undefined;
}

/**
 * Reports the Pod in `phase` (Running and Ready, Succeeded or Failed) as its kubelet
 * would, re-reading it when the controller changed it meanwhile.
 */
export async function setPodPhase(
  clients: Clientset,
  pod: Pod,
  phase: 'Running' | 'Succeeded' | 'Failed',
): Promise<Pod> {
  const client = clients.kind<Pod>('Pod');
  let current = pod;
  for (let attempt = 0; ; attempt++) {
    const now = new Date();
    const ready = phase === 'Running';
    const status = PodStatus.fromPartial({
      ...current.status,
      phase,
      reason: phase === 'Failed' ? 'Error' : '',
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastTransitionTime: now,
          reason: ready ? '' : 'PodCompleted',
        },
      ],
    });
    try {
      return await client.updateStatus({ ...current, status });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === Code.ABORTED) || attempt >= 5) throw err;
      current = await client.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    }
  }
}
