/**
 * Writes pods' statuses through `PodService.UpdatePodStatuses` (unary UpdatePodStatus
 * against an apiserver without the stream), only when they changed
 * from what was last written (transition and probe times aside), so that a resync of
 * an unchanged pod costs the apiserver nothing. The write goes to the pod as the API
 * knows it: for a static pod, its mirror pod. A pod gone from the API is skipped.
 */
import { ApiError, Code } from '../../sdk/errors.js';
import { type Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Logger } from '../../sdk/logger.js';

/** Where statuses are written: the status subresource, one Pod a call (`updatePodStatusesStream`). */
export interface PodStatusWriter {
  updateStatus(pod: Pod): Promise<unknown>;
}

export interface StatusManager {
  /**
   * Sets the status of `apiPod` (the pod the API holds). Resolves once written (or skipped
   * as unchanged); failures are logged and retried by the caller's next sync.
   */
  setPodStatus(apiPod: Pod, status: PodStatus): Promise<void>;
  /** The status last written for a pod uid, if any. */
  lastWritten(uid: string): PodStatus | undefined;
  forget(uid: string): void;
}

function comparable(status: PodStatus): string {
  const json = PodStatus.toJSON({
    ...status,
    conditions: status.conditions.map((c) => ({
      ...c,
      lastTransitionTime: undefined,
      lastProbeTime: undefined,
    })),
  });
  return JSON.stringify(json);
}

export function createStatusManager(pods: PodStatusWriter, logger: Logger): StatusManager {
  const written = new Map<string, { key: string; status: PodStatus }>();
  return {
    lastWritten: (uid) => written.get(uid)?.status,
    forget: (uid) => void written.delete(uid),
    async setPodStatus(apiPod, status) {
      const uid = apiPod.metadata?.uid ?? '';
      const key = comparable(status);
      // The API's copy is the truth when it already says the same (after a kubelet restart).
      if (written.get(uid)?.key === key) return;
      if (!written.has(uid) && apiPod.status && comparable(apiPod.status) === key) {
        written.set(uid, { key, status });
        return;
      }
      try {
        await pods.updateStatus({
          ...apiPod,
          metadata: apiPod.metadata ? { ...apiPod.metadata, resourceVersion: '' } : undefined,
          status,
        });
        written.set(uid, { key, status });
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
        logger.warn(
          { err, pod: `${apiPod.metadata?.namespace}/${apiPod.metadata?.name}` },
          'failed to update the pod status',
        );
        throw err;
      }
    },
  };
}
