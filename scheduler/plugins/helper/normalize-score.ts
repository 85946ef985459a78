/**
 * kube-scheduler's DefaultNormalizeScore: scales raw scores so that the highest becomes
 * `maxPriority` (integer division, as kube does), or the lowest when `reverse` — for
 * plugins whose raw score counts something bad (intolerable PreferNoSchedule taints).
 * All zero stays all zero, or all `maxPriority` when reversed.
 */
import type { NodeScore } from '../../framework/interface.js';

export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    const scaled = Math.trunc((maxPriority * s.score) / max);
    s.score = reverse ? maxPriority - scaled : scaled;
  }
}
