/**
 * Data one scheduling cycle shares between the extension points of its plugins
 * (PreFilter computes, Filter reads), as kube-scheduler's CycleState. Preemption
 * clones it to simulate removing victims without disturbing the real cycle.
 */
export interface StateData {
  /** A copy deep enough that AddPod/RemovePod on the copy leave the original alone. */
  clone(): StateData;
}

export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Filled in by the framework: plugins whose PreFilter answered Skip. */
  readonly skipFilterPlugins = new Set<string>();
  /** Filled in by the framework: plugins whose PreScore answered Skip. */
  readonly skipScorePlugins = new Set<string>();

  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: StateData): void {
    this.data.set(key, value);
  }

  delete(key: string): void {
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
