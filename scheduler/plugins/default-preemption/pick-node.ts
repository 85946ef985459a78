/**
 * The node to preempt on, among the candidates, as kube-scheduler's
 * pickOneNodeForPreemption chooses: each rule keeps the candidates that do best by it,
 * and the next rule breaks a tie —
 *   1. fewest PodDisruptionBudget violations,
 *   2. the lowest priority of the most important victim,
 *   3. the smallest sum of victims' priorities (each shifted to be non-negative, so
 *      that more victims never look cheaper),
 *   4. the fewest victims,
 *   5. the latest start among the most important victims (evict what started last),
 * and the first remaining candidate otherwise.
 */
import { podPriority, podStartTime, type Victims } from './select-victims.js';

export interface Candidate {
  readonly nodeName: string;
  readonly victims: Victims;
}

const PRIORITY_SHIFT = 2 ** 31;

/** The earliest start among the victims of the highest priority (kube's GetEarliestPodStartTime). */
function earliestStartOfMostImportant(v: Victims): number {
  let maxPriority = Number.NEGATIVE_INFINITY;
  let earliest = Number.POSITIVE_INFINITY;
  for (const p of v.pods) {
    const prio = podPriority(p);
    const start = podStartTime(p);
    if (prio > maxPriority) {
      maxPriority = prio;
      earliest = start;
    } else if (prio === maxPriority && start < earliest) {
      earliest = start;
    }
  }
  return earliest;
}

/** Scores to maximise, in order of precedence. */
const rules: readonly ((c: Candidate) => number)[] = [
  (c) => -c.victims.numPDBViolations,
  (c) => -Math.max(...c.victims.pods.map(podPriority)),
  (c) => -c.victims.pods.reduce((sum, p) => sum + podPriority(p) + PRIORITY_SHIFT, 0),
  (c) => -c.victims.pods.length,
  (c) => (c.victims.pods.length === 0 ? Number.NEGATIVE_INFINITY : earliestStartOfMostImportant(c.victims)),
];

export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  let remaining = candidates;
  for (const rule of rules) {
    if (remaining.length <= 1) break;
    let best = Number.NEGATIVE_INFINITY;
    let kept: Candidate[] = [];
    for (const c of remaining) {
      const score = rule(c);
      if (score > best) {
        best = score;
        kept = [c];
      } else if (score === best) {
        kept.push(c);
      }
    }
    remaining = kept;
  }
  return remaining[0];
}
