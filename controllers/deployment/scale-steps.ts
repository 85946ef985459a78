/**
 * Writes a plan of resizes (rollout-plan.ts), deciding it once more when a resize's
 * guard fails because only the ReplicaSet's status moved.
 *
 * Each resize is a patch that tests what its step was decided from (scale-patch.ts): for
 * a scale-down, the pods available. The ReplicaSet controller writes that count as pods
 * come and go, and during a rollout it does so right after each resize (the pods it
 * deletes), while the informer shows those writes later than the apiserver holds them.
 * So a step is often decided from a count the apiserver has already replaced, and most
 * often the change does not bear on the step (a count at or above the spec, or one that
 * went up). Failing the sync for it costs a retry with backoff, an error logged and
 * counted, and the time to converge, only for the next sync to decide again from a later
 * state. Instead the ReplicaSets whose guard failed are read from the apiserver and the
 * plan is made again in the same sync, from them and from what the steps that did go
 * through wrote.
 *
 * Invariants:
 * - A step is written only as the plan decided it from the ReplicaSets it names, and its
 *   patch tests them: a re-decided step is what a new sync reading the apiserver would
 *   decide, held to the same guard (never more spent than maxUnavailable allows for the
 *   status it was decided from).
 * - Only a change of status is re-decided here: a ReplicaSet read back with another uid
 *   or generation (deleted and recreated, resized or edited by someone else) fails the
 *   sync as before, and so does a guard that fails again on the second write.
 */
import { ApiError, Code } from '../../sdk/errors.js';
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { ScaleStep } from './rollout-plan.js';

/** A resize refused because the ReplicaSet changed since its step was decided. */
export class ResizeGuardError extends ApiError {
  constructor(
    readonly rs: ReplicaSet,
    readonly replicas: number,
    detail: string,
  ) {
    super(
      Code.ABORTED,
      `replica set ${rs.metadata?.name} changed since the resize to ${replicas} was decided: ${detail}`,
    );
  }
}

export interface ScaleWriter {
  /** Writes one step; rejects with ResizeGuardError when its guard fails. */
  write(step: ScaleStep): Promise<ReplicaSet>;
  /** The ReplicaSet as the apiserver holds it now. */
  read(rs: ReplicaSet): Promise<ReplicaSet>;
}

/** What one call did. */
export interface ScaleOutcome {
  /** The ReplicaSets given, in their order, each as its last write answered. */
  readonly rss: ReplicaSet[];
  /** Steps written. */
  readonly written: number;
  /** Whether the plan was made again after a guard failed. */
  readonly redecided: boolean;
}

/**
 * Writes `plan(rss)` and returns `rss` with each ReplicaSet replaced by what its write
 * answered. `plan` must be a function of the ReplicaSets it is given (and of what it
 * closes over, unchanged between its two calls), its steps naming members of its input.
 */
export async function applyScaleSteps(
  rss: readonly ReplicaSet[],
  plan: (rss: readonly ReplicaSet[]) => readonly ScaleStep[],
  writer: ScaleWriter,
): Promise<ScaleOutcome> {
  let current = [...rss];
  let steps = plan(current);
  let count = 0;
  for (let attempt = 0; ; attempt++) {
    const results = await Promise.allSettled(steps.map((s) => writer.write(s)));
    const written = new Map<ReplicaSet, ReplicaSet>();
    const refused: ResizeGuardError[] = [];
    let failure: unknown;
    results.forEach((r, i) => {
      const step = steps[i] as ScaleStep;
      if (r.status === 'fulfilled') written.set(step.rs, r.value);
      else if (r.reason instanceof ResizeGuardError) refused.push(r.reason);
      else failure ??= r.reason;
    });
    current = current.map((rs) => written.get(rs) ?? rs);
    count += written.size;
    if (failure !== undefined) throw failure;
    const first = refused[0];
    if (!first) return { rss: current, written: count, redecided: attempt > 0 };
    if (attempt > 0) throw first;
    const fresh = new Map<ReplicaSet, ReplicaSet>();
    await Promise.all(
      refused.map(async (e) => {
        const now = await writer.read(e.rs);
        if (!onlyStatusMoved(e.rs, now)) throw e;
        fresh.set(e.rs, now);
      }),
    );
    current = current.map((rs) => fresh.get(rs) ?? rs);
    steps = plan(current);
  }
}

/** Whether `now` is `seen` with at most its status (and metadata the apiserver keeps) changed. */
function onlyStatusMoved(seen: ReplicaSet, now: ReplicaSet): boolean {
  return (
    (now.metadata?.uid ?? '') === (seen.metadata?.uid ?? '') &&
    (now.metadata?.generation ?? '') === (seen.metadata?.generation ?? '') &&
    now.metadata?.deletionTimestamp === undefined
  );
}
