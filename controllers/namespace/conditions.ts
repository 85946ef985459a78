/**
 * The conditions a Terminating namespace carries while it is emptied, as Kubernetes
 * names them: what could not be found or deleted, what remains, and which finalizers
 * hold it.
 */
import type { NamespaceCondition } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { ContentReport } from './namespaced-content-deleter.js';

export const NAMESPACE_DELETION_DISCOVERY_FAILURE = 'NamespaceDeletionDiscoveryFailure';
export const NAMESPACE_DELETION_CONTENT_FAILURE = 'NamespaceDeletionContentFailure';
export const NAMESPACE_CONTENT_REMAINING = 'NamespaceContentRemaining';
export const NAMESPACE_FINALIZERS_REMAINING = 'NamespaceFinalizersRemaining';

const describeCounts = (counts: ReadonlyMap<string, number>, unit: string) =>
  [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${unit} ${n} resource instances`)
    .join(', ');

/** The four conditions for a report (the discovery one is False: the kind table is known). */
export function conditionsFor(report: ContentReport): Omit<NamespaceCondition, 'lastTransitionTime'>[] {
  const failed = report.errors.length > 0;
  const remain = report.remaining.size > 0;
  const held = report.finalizers.size > 0;
  return [
    {
      type: NAMESPACE_DELETION_DISCOVERY_FAILURE,
      status: 'False',
      reason: 'ResourcesDiscovered',
      message: 'All resources successfully discovered',
    },
    failed
      ? {
          type: NAMESPACE_DELETION_CONTENT_FAILURE,
          status: 'True',
          reason: 'ContentDeletionFailed',
          message: `Failed to delete all resource types, ${report.errors.length} remaining: ${report.errors.join(', ')}`,
        }
      : {
          type: NAMESPACE_DELETION_CONTENT_FAILURE,
          status: 'False',
          reason: 'ContentDeleted',
          message: 'All content successfully deleted, may be waiting on finalization',
        },
    remain
      ? {
          type: NAMESPACE_CONTENT_REMAINING,
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${describeCounts(report.remaining, 'has')}`,
        }
      : {
          type: NAMESPACE_CONTENT_REMAINING,
          status: 'False',
          reason: 'ContentRemoved',
          message: 'All content successfully removed',
        },
    held
      ? {
          type: NAMESPACE_FINALIZERS_REMAINING,
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${describeCounts(report.finalizers, 'in')}`,
        }
      : {
          type: NAMESPACE_FINALIZERS_REMAINING,
          status: 'False',
          reason: 'ContentHasNoFinalizers',
          message: 'All content-preserving finalizers finished',
        },
  ];
}

/**
 * The namespace's conditions with `next` merged in: a condition keeps its
 * lastTransitionTime unless its status changes. Returns undefined when nothing changes.
 */
export function mergeConditions(
  current: readonly NamespaceCondition[],
  next: readonly Omit<NamespaceCondition, 'lastTransitionTime'>[],
  now: Date,
): NamespaceCondition[] | undefined {
  let changed = false;
  const out = current.map((c) => ({ ...c }));
  for (const n of next) {
    const i = out.findIndex((c) => c.type === n.type);
    const old = out[i];
    if (!old) {
      out.push({ ...n, lastTransitionTime: now });
      changed = true;
    } else if (old.status !== n.status || old.reason !== n.reason || old.message !== n.message) {
      out[i] = { ...n, lastTransitionTime: old.status === n.status ? old.lastTransitionTime : now };
      changed = true;
    }
  }
  return changed ? out : undefined;
}
