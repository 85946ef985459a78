/**
 * Zones and their health, as Kubernetes' node lifecycle controller rates evictions: a
 * zone is the node's `topology.kubernetes.io/zone` (with its region); its state follows
 * how many of its nodes are not Ready, and the state sets how fast nodes of the zone may
 * be given NoExecute taints.
 */

import { TokenBucket } from '../../sdk/events/token-bucket.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface EvictionRates {
  /** Nodes tainted per second in a healthy zone (`--node-eviction-rate`). */
  readonly evictionRate: number;
  /** ... in an unhealthy zone of a large cluster (`--secondary-node-eviction-rate`). */
  readonly secondaryEvictionRate: number;
  /** The share of not-Ready nodes (more than 2) that makes a zone unhealthy (`--unhealthy-zone-threshold`). */
  readonly unhealthyZoneThreshold: number;
  /** Above this many nodes a zone is large: it keeps the secondary rate when unhealthy (`--large-cluster-size-threshold`). */
  readonly largeClusterThreshold: number;
}

const ZONE_LABEL = 'topology.kubernetes.io/zone';
const REGION_LABEL = 'topology.kubernetes.io/region';
const LEGACY_ZONE_LABEL = 'failure-domain.beta.kubernetes.io/zone';
const LEGACY_REGION_LABEL = 'failure-domain.beta.kubernetes.io/region';

/** `region:\0:zone`, as Kubernetes keys zones; '' for nodes without zone labels. */
export function zoneOf(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels[REGION_LABEL] ?? labels[LEGACY_REGION_LABEL] ?? '';
  const zone = labels[ZONE_LABEL] ?? labels[LEGACY_ZONE_LABEL] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\0:${zone}`;
}

/** The zone's state from the Ready status of its nodes (`True`, `False`, `Unknown`, or '' when absent). */
export function computeZoneState(
  readyStatuses: readonly string[],
  unhealthyZoneThreshold: number,
): ZoneState {
  const ready = readyStatuses.filter((s) => s === 'True').length;
  const notReady = readyStatuses.length - ready;
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / readyStatuses.length >= unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

/**
 * The rate of tainting in a zone. When every zone is fully disrupted the controller is the
 * likelier one to be cut off, so nothing is tainted at all (Kubernetes' master disruption mode).
 */
export function zoneRate(
  state: ZoneState,
  zoneSize: number,
  allFullyDisrupted: boolean,
  rates: EvictionRates,
): number {
  if (allFullyDisrupted) return 0;
  switch (state) {
    case 'Normal':
    case 'FullDisruption':
      return rates.evictionRate;
    case 'PartialDisruption':
      return zoneSize > rates.largeClusterThreshold ? rates.secondaryEvictionRate : 0;
  }
}

/** One token bucket per zone, replaced when the zone's rate changes. */
export class ZoneLimiters {
  private readonly limiters = new Map<string, { rate: number; bucket: TokenBucket }>();

  constructor(private readonly now: () => number = Date.now) {}

  setRate(zone: string, rate: number): void {
    const current = this.limiters.get(zone);
    if (current?.rate === rate) return;
    this.limiters.set(zone, { rate, bucket: new TokenBucket(rate, 1, this.now) });
  }

  /** Whether a node of the zone may be tainted now (takes the token). */
  tryAccept(zone: string): boolean {
    const l = this.limiters.get(zone);
    return l !== undefined && l.rate > 0 && l.bucket.tryTake();
  }
}
