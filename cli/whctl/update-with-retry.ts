/**
 * How many times a command re-reads an object and tries again after its write lost a
 * race (ABORTED: a stale resourceVersion) before giving up. Commands that change part of
 * an object send a patch instead, which the server re-applies itself; this bound is for
 * those that must send a whole object.
 */
export const MAX_CONFLICT_RETRIES = 5;
