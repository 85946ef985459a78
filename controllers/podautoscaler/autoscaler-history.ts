/**
 * What the HPA controller remembers of each autoscaler between syncs, in memory as in
 * Kubernetes (a restarted controller starts afresh): its recent unstabilized
 * recommendations, for the stabilization windows, and its recent scale-ups and
 * scale-downs, for the rate policies of spec.behavior. Keyed by `namespace/name`;
 * dropped when the autoscaler is deleted.
 */

/** A recommendation (replicas the metrics asked for) and when it was made, in ms since the epoch. */
export interface TimestampedRecommendation {
  recommendation: number;
  timestamp: number;
}

/** A change of the target's replicas the controller made, in absolute value. */
export interface ScaleEvent {
  replicaChange: number;
  timestamp: number;
  /** Older than the direction's longest policy period: its slot may be reused. */
  outdated: boolean;
}

export class AutoscalerHistory {
  private readonly recommendations = new Map<string, TimestampedRecommendation[]>();
  private readonly scaleUps = new Map<string, ScaleEvent[]>();
  private readonly scaleDowns = new Map<string, ScaleEvent[]>();

  /** The first time an autoscaler is seen, its target's current count is its first recommendation. */
  recordInitialRecommendation(key: string, currentReplicas: number, now: number): void {
    if (!this.recommendations.has(key)) {
      this.recommendations.set(key, [{ recommendation: currentReplicas, timestamp: now }]);
    }
  }

  /** The autoscaler's recommendations, kept in place: the normalization updates them. */
  recommendationsOf(key: string): TimestampedRecommendation[] {
    return listOf(this.recommendations, key);
  }

  scaleUpEventsOf(key: string): ScaleEvent[] {
    return listOf(this.scaleUps, key);
  }

  scaleDownEventsOf(key: string): ScaleEvent[] {
    return listOf(this.scaleDowns, key);
  }

  /** Whether anything is kept for the autoscaler. */
  has(key: string): boolean {
    return this.recommendations.has(key) || this.scaleUps.has(key) || this.scaleDowns.has(key);
  }

  delete(key: string): void {
    this.recommendations.delete(key);
    this.scaleUps.delete(key);
    this.scaleDowns.delete(key);
  }
}

function listOf<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  return list;
}
