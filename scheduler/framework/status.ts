/**
 * The answer of a plugin at an extension point, as kube-scheduler's framework.Status:
 * a code and the reasons a user reads in FailedScheduling ("Insufficient cpu",
 * "node(s) didn't match Pod's node affinity/selector").
 */
export type StatusCode =
  /** The plugin has no objection. */
  | 'Success'
  /** Something went wrong inside the scheduler; the pod is retried with backoff. */
  | 'Error'
  /** The pod does not fit now; preemption may make room. */
  | 'Unschedulable'
  /** The pod does not fit and preemption cannot help (a label, a taint, a node name). */
  | 'UnschedulableAndUnresolvable'
  /** Permit only: hold the pod until allowed or timed out. */
  | 'Wait'
  /** PreFilter/PreScore: the plugin has nothing to do for this pod; its Filter/Score is skipped. */
  | 'Skip'
  /** The pod waits for something outside the scheduler (SchedulingGates); it stays out of the active queue. */
  | 'Pending';

export class Status {
  /** The plugin that answered; set by the framework runtime. */
  plugin = '';

  private constructor(
    readonly code: StatusCode,
    readonly reasons: readonly string[],
    readonly error?: Error,
  ) {}

  static readonly SUCCESS = new Status('Success', []);
  static readonly SKIP = new Status('Skip', []);

  static unschedulable(...reasons: string[]): Status {
    return new Status('Unschedulable', reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status('UnschedulableAndUnresolvable', reasons);
  }
  static pending(...reasons: string[]): Status {
    return new Status('Pending', reasons);
  }
  static wait(...reasons: string[]): Status {
    return new Status('Wait', reasons);
  }
  static error(err: unknown): Status {
    const e = err instanceof Error ? err : new Error(String(err));
    return new Status('Error', [e.message], e);
  }

  isSuccess(): boolean {
    return this.code === 'Success';
  }
  isSkip(): boolean {
    return this.code === 'Skip';
  }
  /** Unschedulable or UnschedulableAndUnresolvable. */
  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }

  /** A copy attributed to `plugin` (statuses such as SUCCESS are shared, so never mutated). */
  withPlugin(plugin: string): Status {
    const s = new Status(this.code, this.reasons, this.error);
    s.plugin = plugin;
    return s;
  }

  message(): string {
    return this.reasons.join(', ');
  }
}
