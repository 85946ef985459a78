/**
 * Data one scheduling cycle shares between the extension points of its plugins
 * (PreFilter computes, Filter reads), as kube-scheduler's CycleState. Preemption
 * clones it to simulate removing victims without disturbing the real cycle.
 */
import type { NodeTable } from './node-table.js';

export interface StateData {
  /** A copy deep enough that AddPod/RemovePod on the copy leave the original alone. */
  clone(): StateData;
}

export class CycleState {
  private readonly data = new Map<string, StateData>();
  // The last key read and its value: Filter and Score run plugin by plugin over every
  // node, so one plugin reads the same key hundreds of times in a row, and a compare
  // costs less than a Map lookup. Cleared by every write and delete.
  private lastKey: string | undefined;
  private lastValue: StateData | undefined;
  /** Filled in by the framework: plugins whose PreFilter answered Skip. */
  readonly skipFilterPlugins = new Set<string>();
  /** Filled in by the framework: plugins whose PreScore answered Skip. */
  readonly skipScorePlugins = new Set<string>();
  /**
   * Set by the framework when the nodes this cycle filters and scores are the snapshot's
   * (so rows of this table): PreScore may read its counts instead of every node. Not
   * cloned: a clone simulates changed copies of nodes, which the table does not show.
   */
  nodeTable: NodeTable | undefined = undefined;

  read<T extends StateData>(key: string): T | undefined {
    if (key === this.lastKey) return this.lastValue as T | undefined;
    const v = this.data.get(key);
    this.lastKey = key;
    this.lastValue = v;
    return v as T | undefined;
  }

  write(key: string, value: StateData): void {
    this.lastKey = undefined;
    this.lastValue = undefined;
    this.data.set(key, value);
  }

  delete(key: string): void {
    this.lastKey = undefined;
    this.lastValue = undefined;
    this.data.delete(key);
  }

  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) copy.data.set(k, v.clone());
    for (const p of this.skipFilterPlugins) copy.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) copy.skipScorePlugins.add(p);
    return copy;
  }
}
