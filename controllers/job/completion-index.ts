/**
 * Indexed Jobs (Kubernetes' indexed_job_utils): every Pod carries an index in
 * [0, completions); the Job is done when every index has a succeeded Pod. Succeeded
 * indexes are kept in `status.completedIndexes` as ordered intervals, `1,3-5,7`, written
 * as Kubernetes writes them (two neighbours as `0,1`, three or more as `0-2`).
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';

/** An Indexed Job's Pod carries its index in this annotation, and in a label of the same key. */
export const jobCompletionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';
/** The environment variable the kubelet fills from the annotation. */
export const jobCompletionIndexEnv = 'JOB_COMPLETION_INDEX';

/** A Pod's completion index, or undefined when it has none or it is not a non-negative integer. */
export function completionIndexOf(pod: Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[jobCompletionIndexAnnotation];
  if (raw === undefined || !/^(0|[1-9][0-9]*)$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses `1,3-5,7` into the set of indexes below `completions`. Malformed parts are
 * skipped, not fatal: the string is status the controller wrote, and a bad part must not
 * stop the Job from making progress.
 */
export function parseIndexes(text: string, completions: number): Set<number> {
  const out = new Set<number>();
  if (text === '') return out;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = Math.min(Number(m[2] ?? m[1]), completions - 1);
    for (let i = first; i <= last; i++) out.add(i);
  }
  return out;
}

/** Writes indexes as ordered intervals: `0,1`, `0-2`, `1,3-5,7`. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as number;
    let last = first;
    while (i + 1 < sorted.length && sorted[i + 1] === last + 1) {
      i++;
      last = sorted[i] as number;
    }
    i++;
    if (last === first) parts.push(String(first));
    else if (last === first + 1) parts.push(`${first},${last}`);
    else parts.push(`${first}-${last}`);
  }
  return parts.join(',');
}

/**
 * The lowest `count` indexes in [0, completions) that neither succeeded nor have an
 * active Pod, in order.
 */
export function firstPendingIndexes(
  activeIndexes: ReadonlySet<number>,
  succeeded: ReadonlySet<number>,
  count: number,
  completions: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!activeIndexes.has(i) && !succeeded.has(i)) out.push(i);
  }
  return out;
}

/**
 * Active Pods an Indexed Job must delete whatever its parallelism: Pods with no valid
 * index or one beyond `completions`, and all but one of the Pods sharing an index (the
 * one kept is the last by `compareForDeletion`, i.e. the one whose loss hurts most).
 * Returns those and the Pods left.
 */
export function duplicatedIndexPods(
  pods: readonly Pod[],
  completions: number,
  compareForDeletion: (a: Pod, b: Pod) => number,
): { remove: Pod[]; keep: Pod[] } {
  const remove: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const pod of pods) {
    const ix = completionIndexOf(pod);
    if (ix === undefined || ix >= completions) {
      remove.push(pod);
      continue;
    }
    const same = byIndex.get(ix);
    if (same) same.push(pod);
    else byIndex.set(ix, [pod]);
  }
  const keep: Pod[] = [];
  for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
    const same = [...(byIndex.get(ix) ?? [])].sort(compareForDeletion);
    keep.push(same.pop() as Pod);
    remove.push(...same);
  }
  return { remove, keep };
}

/**
 * `<job>-<index>-`, the generateName of an Indexed Job's Pods, with the Job's name cut so
 * that the generated name still fits 63 characters.
 */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const maxGenerated = 63 - 5;
  const room = maxGenerated - suffix.length;
  return `${jobName.length > room ? jobName.slice(0, room) : jobName}${suffix}`;
}
