/**
 * The numbers Filter and Score read of every node, in one Float64Array over the
 * snapshot's node list: row i is `nodeInfoList[i]`, its fields at `i * ROW_STRIDE`.
 *
 * Why: a cycle filters and scores hundreds of nodes (10 % of 5,000 in SchedulingBasic),
 * and reading each node's NodeInfo missed the CPU's caches once per node per pod — the
 * objects are spread over the heap. The rows of the nodes a cycle visits are adjacent
 * here (a cycle walks the list in order from where the last one stopped), so the same
 * walk streams through a few dozen kilobytes.
 *
 * Invariant: the snapshot writes row i whenever it places a NodeInfo at position i of
 * its list (and rebuilds the table with the list), and a NodeInfo in the snapshot is
 * never changed afterwards (the cache copies a node that changed), so each row equals
 * what its NodeInfo holds.
 */
import type { NodeInfo } from './node-info.js';

// Row flags: what a plugin's RowCondition may require clear, or what a PreScore counts.
/** The NodeInfo has no Node (every plugin's Filter answers an error there). */
export const ROW_NO_NODE = 1;
/** `spec.unschedulable` (cordoned). */
export const ROW_UNSCHEDULABLE = 2;
/** Any taint, the readiness taint included (TaintToleration must look). */
export const ROW_TAINTED = 4;
/** Some taint is PreferNoSchedule (TaintToleration scores it). */
export const ROW_PREFER_NO_SCHEDULE = 8;
/** The node reports images (ImageLocality may score it). */
export const ROW_IMAGES = 16;

export const FLAGS = 0;
export const NUM_PODS = 1;
export const ALLOWED_PODS = 2;
export const ALLOCATABLE_MILLI_CPU = 3;
export const ALLOCATABLE_MEMORY = 4;
export const ALLOCATABLE_EPHEMERAL_STORAGE = 5;
export const REQUESTED_MILLI_CPU = 6;
export const REQUESTED_MEMORY = 7;
export const REQUESTED_EPHEMERAL_STORAGE = 8;
/** The non-zero sums scoring counts (defaults for containers without requests). */
export const NON_ZERO_MILLI_CPU = 9;
export const NON_ZERO_MEMORY = 10;
export const ROW_STRIDE = 11;

export class NodeTable {
  /** Rows in use (the snapshot's node count). */
  length = 0;
  /** `length * ROW_STRIDE` numbers are meaningful; the array may be longer. */
  data = new Float64Array(0);
  /** How many rows carry ROW_PREFER_NO_SCHEDULE: none, and no node scores on such taints. */
  preferNoScheduleRows = 0;
  /** How many rows carry ROW_IMAGES: none, and no node holds any image. */
  imageRows = 0;

  /** Refills every row from `nodes` (the snapshot's list, after nodes came or went). */
  rebuild(nodes: readonly NodeInfo[]): void {
    const need = nodes.length * ROW_STRIDE;
    if (this.data.length < need) this.data = new Float64Array(need + (need >> 1));
    this.length = nodes.length;
    this.preferNoScheduleRows = 0;
    this.imageRows = 0;
    for (let i = 0; i < nodes.length; i++) this.write(i, nodes[i] as NodeInfo);
  }

  /** Row `i` now holds `ni` (the snapshot replaced a changed node's copy in place). */
  set(i: number, ni: NodeInfo): void {
    if (i < 0 || i >= this.length) throw new RangeError(`node table row ${i} of ${this.length}`);
    const old = this.data[i * ROW_STRIDE + FLAGS] as number;
    if (old & ROW_PREFER_NO_SCHEDULE) this.preferNoScheduleRows--;
    if (old & ROW_IMAGES) this.imageRows--;
    this.write(i, ni);
  }

  flags(i: number): number {
    return this.data[i * ROW_STRIDE + FLAGS] as number;
  }

  private write(i: number, ni: NodeInfo): void {
    let flags = 0;
    if (ni.node === undefined) flags |= ROW_NO_NODE;
    if (ni.unschedulable) flags |= ROW_UNSCHEDULABLE;
    if (ni.taints.length > 0) flags |= ROW_TAINTED;
    if (ni.hasPreferNoScheduleTaint) {
      flags |= ROW_PREFER_NO_SCHEDULE;
      this.preferNoScheduleRows++;
    }
    if (ni.imageStates.size > 0) {
      flags |= ROW_IMAGES;
      this.imageRows++;
    }
    const d = this.data;
    const o = i * ROW_STRIDE;
    d[o + FLAGS] = flags;
    d[o + NUM_PODS] = ni.numPods;
    d[o + ALLOWED_PODS] = ni.allowedPodNumber;
    d[o + ALLOCATABLE_MILLI_CPU] = ni.allocatableMilliCpu;
    d[o + ALLOCATABLE_MEMORY] = ni.allocatableMemory;
    d[o + ALLOCATABLE_EPHEMERAL_STORAGE] = ni.allocatableEphemeralStorage;
    d[o + REQUESTED_MILLI_CPU] = ni.requestedMilliCpu;
    d[o + REQUESTED_MEMORY] = ni.requestedMemory;
    d[o + REQUESTED_EPHEMERAL_STORAGE] = ni.requestedEphemeralStorage;
    d[o + NON_ZERO_MILLI_CPU] = ni.nonZeroMilliCpu;
    d[o + NON_ZERO_MEMORY] = ni.nonZeroMemory;
  }
}
