/**
 * A Job's `podFailurePolicy` (Kubernetes' pod_failure_policy.go): the first rule whose
 * exit codes or Pod conditions match a Failed Pod decides what the failure means —
 * `FailJob` fails the Job at once, `Ignore` does not count it against `backoffLimit`,
 * `Count` counts it as usual (as does a failure no rule matches). `FailIndex` belongs to
 * `backoffLimitPerIndex`, which this controller does not implement; it counts.
 */
import type { PodFailurePolicy } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { ContainerStatus, Pod, PodCondition } from '../../sdk/gen/wheelhouse/core/v1/pod.js';

export interface PodFailureVerdict {
  /** Set when a FailJob rule matched: the Job's failure message. */
  readonly jobFailureMessage?: string;
  /** Whether the failure counts against backoffLimit. */
  readonly countFailed: boolean;
  /** The action of the rule that matched, if any. */
  readonly action?: string;
}

/** The container of the Pod that exited with a non-zero code the requirement matches. */
function matchOnExitCodes(pod: Pod, req: NonNullable<PodFailurePolicy['rules'][number]['onExitCodes']>) {
  const statuses: ContainerStatus[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  return statuses.find((s) => {
    if (req.containerName !== undefined && req.containerName !== s.name) return false;
    const code = s.state?.terminated?.exitCode;
    if (code === undefined || code === 0) return false;
    const listed = req.values.includes(code);
    return req.operator === 'In' ? listed : req.operator === 'NotIn' ? !listed : false;
  });
}

function matchOnPodConditions(
  pod: Pod,
  patterns: PodFailurePolicy['rules'][number]['onPodConditions'],
): PodCondition | undefined {
  for (const pattern of patterns) {
    const c = pod.status?.conditions.find(
      (x) => x.type === pattern.type && x.status === (pattern.status || 'True'),
    );
    if (c) return c;
  }
  return undefined;
}

export function matchPodFailurePolicy(policy: PodFailurePolicy, pod: Pod): PodFailureVerdict {
  if (pod.status?.phase !== 'Failed') return { countFailed: true };
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  for (const [index, rule] of policy.rules.entries()) {
    let failJobMessage: string | undefined;
    if (rule.onExitCodes) {
      const status = matchOnExitCodes(pod, rule.onExitCodes);
      if (!status) continue;
      failJobMessage = `Container ${status.name} for pod ${ns}/${name} failed with exit code ${status.state?.terminated?.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions.length > 0) {
      const condition = matchOnPodConditions(pod, rule.onPodConditions);
      if (!condition) continue;
      failJobMessage = `Pod ${ns}/${name} has condition ${condition.type} matching ${rule.action} rule at index ${index}`;
    } else {
      continue;
    }
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: rule.action };
      case 'FailJob':
        return { jobFailureMessage: failJobMessage, countFailed: true, action: rule.action };
      default:
        return { countFailed: true, action: rule.action };
    }
  }
  return { countFailed: true };
}
