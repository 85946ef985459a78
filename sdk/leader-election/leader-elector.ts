import { setMaxListeners } from 'node:events';
/**
 * Leader election on a Lease, with client-go's semantics (tools/leaderelection): every
 * candidate tries to acquire the Lease every retryPeriod; the holder renews it every
 * retryPeriod and gives up leading when it has not renewed for renewDeadline; the others
 * take it over once it has not changed for leaseDuration by their own clocks. Every
 * write is a compare-and-swap on the Lease's resourceVersion, so of two candidates
 * racing for the same version at most one wins.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { ApiError, Code } from '../errors.js';
import type { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';
import type { Logger } from '../logger.js';
import { type LeaderElectionRecord, leaseWith, newLease, recordOf } from './election-record.js';
import { leaderStatusMetric } from './leader-status-metric.js';
import type { LeaseCallOptions, LeaseClient, LeaseRef } from './lease-client.js';
import { type ElectionTimings, electionTimings, JITTER_FACTOR, leaseDurationSeconds } from './timings.js';

/** What the elector logs through: any pino logger will do. */
export type ElectionLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface LeaderElectorOptions extends Partial<ElectionTimings> {
  /** The Lease the election is held on; it is created when missing. */
  lease: LeaseRef;
  /** This candidate's name in the Lease: unique among the candidates, and new for each process. */
  identity: string;
  client: LeaseClient;
  /**
   * Called when this candidate becomes leader. `signal` aborts when it stops being leader
   * (lost lease or shutdown); the work it guards must stop then. A returned promise is
   * awaited before the Lease is released on shutdown (the Lease is renewed meanwhile)
   * and before this candidate runs for leader again after losing the Lease: a callback
   * that ignores its signal keeps `run` from returning.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once each time this candidate stops being leader, before any other candidate can take over. */
  onStoppedLeading?(): void;
  /** Called when a Lease held by another holder than the last one is seen (this candidate included). */
  onNewLeader?(identity: string): void;
  logger?: ElectionLogger;
  /** Where `leader_election_master_status{name}` (labelled by the Lease's name) is registered. */
  registry?: Registry;
}

export interface LeaderElector {
  /**
   * Runs for leader until `signal` aborts, leading whenever it holds the Lease; after
   * losing it, it runs again. Returns once `signal` has aborted, the leading work (if
   * any) has settled, and the Lease (if held) has been released: written with no holder,
   * so that another candidate takes over at its next attempt. Rejects if already running.
   */
  run(signal: AbortSignal): Promise<void>;
  /** Whether this candidate leads now: between onStartedLeading and onStoppedLeading. */
  isLeader(): boolean;
  /** The holder in the Lease as last seen; undefined when it is free or has not been read yet. */
  leader(): string | undefined;
  /** The Lease's record as last seen or written (its leaseTransitions is the leader's fencing token). */
  observedRecord(): LeaderElectionRecord | undefined;
}

const silent: ElectionLogger = pino({ enabled: false });

export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const { lease: ref, identity, client, onStartedLeading, onStoppedLeading, onNewLeader } = options;
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = electionTimings(options);
  if (!identity) throw new Error('identity must not be empty');
  if (!ref.namespace || !ref.name) throw new Error('lease needs a namespace and a name');
  const logger = options.logger ?? silent;
  const log = { lease: `${ref.namespace}/${ref.name}`, identity };
  const metric = leaderStatusMetric(options.registry, ref.name);
  const now = () => performance.now();

  // The Lease as last seen or written, and when (by this process's monotonic clock) it
  // was last seen to change: expiry is judged from then, never from the remote timestamps.
  let observed: Lease | undefined;
  let observedRec: LeaderElectionRecord | undefined;
  let observedAt = 0;
  let reportedLeader = '';
  let leading = false;
  let running = false;

  const observe = (lease: Lease): void => {
    if (lease.metadata?.resourceVersion !== observed?.metadata?.resourceVersion || !observed) {
      observedAt = now();
    }
    observed = lease;
    observedRec = recordOf(lease);
  };
  const holdsObserved = () => observedRec !== undefined && observedRec.holderIdentity === identity;

  const reportLeader = (): void => {
    const holder = observedRec?.holderIdentity ?? '';
    if (!holder || holder === reportedLeader) return;
    reportedLeader = holder;
    logger.info({ ...log, leader: holder }, 'new leader');
    try {
      onNewLeader?.(holder);
    } catch (err) {
      logger.error({ ...log, err }, 'onNewLeader threw');
    }
  };

  /**
   * One attempt to acquire or renew the Lease, all of it within `budgetMs`. Resolves with
   * the time the attempt started when this candidate holds the Lease afterwards (the
   * write is at least that recent), else undefined.
   */
  const tryAcquireOrRenew = async (budgetMs: number): Promise<number | undefined> => {
    const startedAt = now();
    const endAt = startedAt + budgetMs;
    const call = <T>(invoke: (o: LeaseCallOptions) => Promise<T>): Promise<T> => {
      const left = Math.floor(endAt - now());
      if (left <= 0) return Promise.reject(new ApiError(Code.DEADLINE_EXCEEDED, 'no time left for the call'));
      return within(invoke({ timeoutMs: left }), left);
    };
    const wall = new Date();
    const fresh: LeaderElectionRecord = {
      holderIdentity: identity,
      leaseDurationSeconds: leaseDurationSeconds(leaseDurationMs),
      acquireTime: wall,
      renewTime: wall,
      leaseTransitions: 0,
    };

    // The fast path of a holder: write over the version it wrote last.
    if (observed && observedRec && holdsObserved() && observedAt + leaseMsOf(observedRec) > startedAt) {
      const renewal = {
        ...fresh,
        acquireTime: observedRec.acquireTime,
        leaseTransitions: observedRec.leaseTransitions,
      };
      const base = observed;
      try {
        observe(await call((o) => client.update(leaseWith(base, renewal), o)));
        return startedAt;
      } catch (err) {
        logger.debug(
          { ...log, err: describe(err) },
          'renewal over the last written version failed; reading the lease',
        );
      }
    }

    let current: Lease | undefined;
    try {
      current = await call((o) => client.get(ref, o));
    } catch (err) {
      logger.warn({ ...log, err: describe(err) }, 'cannot read the lease');
      return undefined;
    }
    if (!current) {
      try {
        observe(await call((o) => client.create(newLease(ref, fresh), o)));
        return startedAt;
      } catch (err) {
        logWriteFailure(err, 'cannot create the lease');
        return undefined;
      }
    }

    observe(current);
    const seen = recordOf(current);
    const expired = observedAt + leaseMsOf(seen) < now();
    if (seen.holderIdentity && seen.holderIdentity !== identity && !expired) return undefined;
    const next: LeaderElectionRecord =
      seen.holderIdentity === identity
        ? { ...fresh, acquireTime: seen.acquireTime, leaseTransitions: seen.leaseTransitions }
        : { ...fresh, leaseTransitions: seen.leaseTransitions + 1 };
    try {
      observe(await call((o) => client.update(leaseWith(current, next), o)));
      return startedAt;
    } catch (err) {
      logWriteFailure(err, 'cannot write the lease');
      return undefined;
    }
  };

  const logWriteFailure = (err: unknown, msg: string): void => {
    // Losing a compare-and-swap is the ordinary outcome of a contended round.
    const contended =
      err instanceof ApiError && (err.code === Code.ABORTED || err.code === Code.ALREADY_EXISTS);
    if (contended) logger.debug({ ...log, err: describe(err) }, `${msg}: another candidate wrote first`);
    else logger.warn({ ...log, err: describe(err) }, msg);
  };

  /** Writes the Lease free (ReleaseOnCancel) if this candidate holds it as last seen. */
  const release = async (): Promise<void> => {
    if (!observed || !observedRec || !holdsObserved()) return;
    const wall = new Date();
    const free: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: wall,
      renewTime: wall,
      leaseTransitions: observedRec.leaseTransitions,
    };
    try {
      const written = client.update(leaseWith(observed, free), { timeoutMs: renewDeadlineMs });
      observe(await within(written, renewDeadlineMs));
      logger.info(log, 'released the lease');
    } catch (err) {
      logger.warn({ ...log, err: describe(err) }, 'cannot release the lease');
    }
  };

  /** Tries every retryPeriod (jittered) until holding the Lease; resolves with the renew deadline, or undefined once `signal` aborts. */
  const acquire = async (signal: AbortSignal): Promise<number | undefined> => {
    logger.info(log, 'running for leader');
    while (!signal.aborted) {
      const startedAt = await tryAcquireOrRenew(renewDeadlineMs);
      reportLeader();
      if (startedAt !== undefined) {
        if (signal.aborted) {
          await release();
          return undefined;
        }
        // A slow answer leaves little of the renew deadline: renew at once rather than start a
        // term that would end before its first renewal.
        if (now() < startedAt + renewDeadlineMs - retryPeriodMs) return startedAt + renewDeadlineMs;
        continue;
      }
      await sleep(retryPeriodMs * (1 + Math.random() * JITTER_FACTOR), signal);
    }
    return undefined;
  };

  /** Leads from acquisition until the Lease is lost or, after `signal` aborts, released. */
  const lead = async (signal: AbortSignal, firstDeadline: number): Promise<void> => {
    let deadlineAt = firstDeadline;
    let lost = false;
    let workSettled = false;
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const term = new AbortController();
    // The whole component runs on the term's signal: one listener per informer, controller, worker.
    setMaxListeners(0, term.signal);

    const stepDown = (why: string): void => {
      if (!leading) return;
      leading = false;
      metric.set(false);
      clearTimeout(timer);
      term.abort();
      logger.info({ ...log, why }, 'stopped leading');
      try {
        onStoppedLeading?.();
      } catch (err) {
        logger.error({ ...log, err }, 'onStoppedLeading threw');
      }
    };
    const loseLease = (why: string): void => {
      lost = true;
      stepDown(why);
      wake?.();
    };
    // Leadership ends at the deadline itself, not at the end of a slow renewal: this timer
    // is what keeps a leader from outliving its lease in the eyes of the others.
    const armDeadline = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => loseLease('no renewal within renewDeadline'), Math.max(0, deadlineAt - now()));
    };
    const onAbort = (): void => {
      term.abort();
      if (workSettled) wake?.();
    };

    leading = true;
    metric.set(true);
    logger.info(log, 'started leading');
    armDeadline();
    signal.addEventListener('abort', onAbort, { once: true });
    const work = (async () => onStartedLeading(term.signal))()
      .catch((err: unknown) => logger.error({ ...log, err }, 'onStartedLeading failed'))
      .finally(() => {
        workSettled = true;
        if (signal.aborted) wake?.();
      });

    try {
      while (!lost && !(signal.aborted && workSettled)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            wake = undefined;
            resolve();
          };
          const t = setTimeout(done, retryPeriodMs);
          wake = done;
        });
        if (lost || (signal.aborted && workSettled)) break;
        const startedAt = await tryAcquireOrRenew(deadlineAt - now());
        reportLeader();
        if (lost) break;
        if (now() >= deadlineAt) loseLease('no renewal within renewDeadline');
        else if (startedAt !== undefined) {
          deadlineAt = startedAt + renewDeadlineMs;
          armDeadline();
        } else if (!holdsObserved()) {
          loseLease(`the lease is held by ${observedRec?.holderIdentity || 'no one'}`);
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    }
    if (lost) {
      // Never two terms of this process at once: the last one's work ends before the next can start.
      await work;
      return;
    }
    stepDown('shutting down');
    await release();
  };

  return {
    async run(signal: AbortSignal): Promise<void> {
      if (running) throw new Error(`leader elector ${identity} for ${log.lease} is already running`);
      running = true;
      try {
        while (!signal.aborted) {
          const deadlineAt = await acquire(signal);
          if (deadlineAt === undefined) return;
          await lead(signal, deadlineAt);
        }
      } finally {
        running = false;
      }
    },
    isLeader: () => leading,
    leader: () => observedRec?.holderIdentity || undefined,
    observedRecord: () => observedRec,
  };
}

function leaseMsOf(record: LeaderElectionRecord): number {
  return record.leaseDurationSeconds * 1000;
}

/** `p`, or a DEADLINE_EXCEEDED failure after `ms` if it has not settled by then. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new ApiError(Code.DEADLINE_EXCEEDED, `no answer within ${ms}ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(t);
        reject(err);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
