/** Who is asking, and how: passed to every strategy step and to admission. */
export interface RequestContext {
  /** The authenticated user name (`system:anonymous` when none). */
  readonly user: string;
  readonly groups: readonly string[];
  readonly dryRun: boolean;
  /** One clock reading per request, so every timestamp it sets is the same. */
  readonly now: Date;
  /**
   * Aborted when the client cancels the call. A write without preconditions retries its
   * conflicts until then, until `deadline`, or for the registry's budget, whichever ends first.
   */
  readonly signal?: AbortSignal;
  /** The call's deadline, in milliseconds since the epoch. */
  readonly deadline?: number;
  /**
   * Who owns the fields this write sets (metadata.managedFields): the request's
   * `fieldManager`, else its user agent up to the first "/" (`fieldManagerOf`).
   */
  readonly fieldManager?: string;
}
