import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { timerLateness } from '../../test/timer-lateness.js';
import { ApiError, Code } from '../errors.js';
import { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';
import {
  createLeaderElector,
  createMemoryLeaseClient,
  electionTimings,
  type LeaderElector,
  type LeaderElectorOptions,
  type LeaseClient,
  type MemoryLeaseClient,
} from './index.js';

const ref = { namespace: 'kube-system', name: 'kube-scheduler' };
// The Lease records whole seconds: 1000 ms is what others wait.
const timings = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };
const now = () => performance.now();

/** Resolves with the time `cond` was seen to hold; the deadline only ends a failing test. */
async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<number> {
  const deadline = now() + timeoutMs;
  while (!cond()) {
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
  return now();
}

// The bounds below are the elector's timers' due times: each allows, per timer on its path,
// as long as timers fired late during the test.
const late = timerLateness();
beforeEach(() => late.reset());

interface Candidate {
  readonly id: string;
  readonly elector: LeaderElector;
  /** What happened to it, with times: started, stopped, leader:<id>. */
  readonly events: { at: number; what: string }[];
  readonly terms: AbortSignal[];
  start(): void;
  stop(): Promise<void>;
  startedAt(n?: number): number | undefined;
  stoppedAt(n?: number): number | undefined;
}

/** Every candidate of the current test, stopped after it whatever its outcome. */
const candidates: Candidate[] = [];
afterEach(async () => {
  await Promise.all(candidates.splice(0).map((c) => c.stop()));
});

function candidate(
  id: string,
  client: LeaseClient,
  extra: Partial<LeaderElectorOptions> & { work?: (signal: AbortSignal) => Promise<void> } = {},
): Candidate {
  const events: { at: number; what: string }[] = [];
  const terms: AbortSignal[] = [];
  let controller = new AbortController();
  let running: Promise<void> | undefined;
  const elector = createLeaderElector({
    lease: ref,
    identity: id,
    client,
    ...timings,
    ...extra,
    onStartedLeading(signal) {
      events.push({ at: now(), what: 'started' });
      terms.push(signal);
      return extra.work?.(signal);
    },
    onStoppedLeading() {
      events.push({ at: now(), what: 'stopped' });
    },
    onNewLeader(leader) {
      events.push({ at: now(), what: `leader:${leader}` });
    },
  });
  const nth = (what: string, n: number) => events.filter((e) => e.what === what)[n]?.at;
  const c: Candidate = {
    id,
    elector,
    events,
    terms,
    start() {
      controller = new AbortController();
      running = elector.run(controller.signal);
    },
    async stop() {
      controller.abort();
      await running;
    },
    startedAt: (n = 0) => nth('started', n),
    stoppedAt: (n = 0) => nth('stopped', n),
  };
  candidates.push(c);
  return c;
}

/** A LeaseClient that can be made to fail every call at once, as a partitioned leader's would. */
function faulty(inner: LeaseClient) {
  const state = {
    mode: 'ok' as 'ok' | 'error' | 'hang',
    /** When the last write that succeeded was sent and when it was answered. */
    lastWrite: { sent: 0, answered: 0 },
  };
  const gate = async (timeoutMs: number) => {
    if (state.mode === 'error') throw ApiError.unavailable('connection refused');
    if (state.mode === 'hang') {
      await delay(timeoutMs);
      throw new ApiError(Code.DEADLINE_EXCEEDED, 'deadline exceeded');
    }
  };
  const write =
    (f: (l: Lease, o: { timeoutMs: number }) => Promise<Lease>) =>
    async (l: Lease, o: { timeoutMs: number }) => {
      const sent = now();
      await gate(o.timeoutMs);
      const written = await f(l, o);
      state.lastWrite = { sent, answered: now() };
      return written;
    };
  const client: LeaseClient = {
    get: async (r, o) => {
      await gate(o.timeoutMs);
      return inner.get(r, o);
    },
    create: write((l, o) => inner.create(l, o)),
    update: write((l, o) => inner.update(l, o)),
  };
  return { client, state };
}

function spec(store: MemoryLeaseClient) {
  const lease = store.peek(ref);
  assert.ok(lease?.spec, 'the lease exists');
  return lease.spec;
}

describe('timings', () => {
  test("client-go's defaults", () => {
    assert.deepEqual(electionTimings(), {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  test('leaseDuration > renewDeadline > retryPeriod × 1.2 > 0', () => {
    assert.deepEqual(electionTimings(timings), timings);
    assert.throws(
      () => electionTimings({ ...timings, renewDeadlineMs: 1000 }),
      /leaseDurationMs \(1000\) must be greater than renewDeadlineMs \(1000\)/,
    );
    assert.throws(
      () => electionTimings({ ...timings, retryPeriodMs: 500 }),
      /renewDeadlineMs \(600\) must be greater than retryPeriodMs × 1.2 \(600\)/,
    );
    assert.throws(() => electionTimings({ retryPeriodMs: 0 }), /retryPeriodMs must be greater than 0/);
    assert.throws(
      () => electionTimings({ leaseDurationMs: Number.NaN }),
      /leaseDurationMs must be greater than 0/,
    );
  });

  test('the elector refuses bad timings, an empty identity, and a lease without a name', () => {
    const client = createMemoryLeaseClient();
    const base = { lease: ref, identity: 'a', client, onStartedLeading() {} };
    assert.throws(() => createLeaderElector({ ...base, leaseDurationMs: 5_000 }), RangeError);
    assert.throws(() => createLeaderElector({ ...base, identity: '' }), /identity/);
    assert.throws(() => createLeaderElector({ ...base, lease: { namespace: 'x', name: '' } }), /lease/);
  });
});

describe('leader election', () => {
  test('one candidate acquires, the other waits; a clean shutdown hands over at once', async (t) => {
    const store = createMemoryLeaseClient();
    const a = candidate('a', store);
    const b = candidate('b', store);
    a.start();
    await until(() => a.elector.isLeader(), 'a to lead');
    assert.equal(spec(store).holderIdentity, 'a');
    assert.equal(spec(store).leaseDurationSeconds, 1);
    assert.equal(spec(store).leaseTransitions, 0);
    const acquired = spec(store).acquireTime;
    b.start();

    // Three lease durations: b never takes over a lease that is being renewed.
    const renewedBefore = spec(store).renewTime!.getTime();
    await delay(3 * timings.leaseDurationMs);
    assert.equal(b.startedAt(), undefined);
    assert.equal(b.elector.isLeader(), false);
    assert.equal(b.elector.leader(), 'a');
    assert.deepEqual(
      b.events.map((e) => e.what),
      ['leader:a'],
    );
    assert.ok(spec(store).renewTime!.getTime() > renewedBefore, 'a renews');
    assert.deepEqual(spec(store).acquireTime, acquired, 'renewals keep acquireTime');
    assert.equal(spec(store).leaseTransitions, 0, 'renewals are no transitions');

    const stopping = now();
    await a.stop();
    assert.equal(a.elector.isLeader(), false);
    assert.equal(a.terms[0]?.aborted, true);
    const released = store.peek(ref)?.spec;
    // b may have taken it already; if not, a left it free.
    if (released?.holderIdentity !== 'b') {
      assert.equal(released?.holderIdentity, '');
      assert.equal(released?.leaseDurationSeconds, 1);
    }
    const tookOver = await until(() => b.elector.isLeader(), 'b to lead');
    const handover = tookOver - stopping;
    t.diagnostic(`hand-over after a clean shutdown: ${handover.toFixed(0)} ms`);
    assert.ok(a.stoppedAt()! <= b.startedAt()!, 'a stopped before b started');
    // At most one jittered retry period (100 to 220 ms), far below the lease duration; two
    // timers on the way (b's retry, the poll above).
    assert.ok(
      handover < timings.leaseDurationMs / 2 + 2 * late.max(),
      `hand-over took ${handover.toFixed(0)} ms (timers up to ${late.max().toFixed(0)} ms late)`,
    );
    assert.equal(spec(store).holderIdentity, 'b');
    assert.equal(spec(store).leaseTransitions, 1);
    assert.equal(a.elector.leader(), undefined, 'a last saw the lease free, as it left it');
    await b.stop();
    assert.equal(spec(store).holderIdentity, '');
    assert.equal(spec(store).leaseTransitions, 1, 'a release is no transition');
  });

  for (const mode of ['error', 'hang'] as const) {
    test(`a leader whose calls ${mode === 'error' ? 'fail' : 'hang'} stops within renewDeadline, before the lease expires for others`, async (t) => {
      const store = createMemoryLeaseClient();
      const { client, state } = faulty(store);
      const a = candidate('a', client);
      const b = candidate('b', store);
      a.start();
      await until(() => a.elector.isLeader(), 'a to lead');
      b.start();
      await delay(300);
      state.mode = mode;
      const tookOver = await until(() => b.elector.isLeader(), 'b to lead');
      const stopped = a.stoppedAt();
      assert.ok(stopped !== undefined, 'a stopped leading');
      assert.equal(a.elector.isLeader(), false);
      assert.equal(a.terms[0]?.aborted, true);
      const { sent, answered } = state.lastWrite;
      t.diagnostic(
        `a stopped ${(stopped - sent).toFixed(0)} ms after sending its last renewal; ` +
          `b took over ${(tookOver - answered).toFixed(0)} ms after it was written; ` +
          `timers up to ${late.max().toFixed(0)} ms late`,
      );
      // One timer on the way: the renew deadline's.
      assert.ok(
        stopped - sent <= timings.renewDeadlineMs + 15 + late.max(),
        `a led ${(stopped - sent).toFixed(0)} ms after its last renewal was sent (timers up to ${late.max().toFixed(0)} ms late)`,
      );
      assert.ok(stopped < answered + timings.leaseDurationMs, 'a stopped before its lease could expire');
      assert.ok(stopped < b.startedAt()!, 'a stopped before b started');
      assert.ok(
        tookOver - answered >= timings.leaseDurationMs,
        `b took over ${(tookOver - answered).toFixed(0)} ms after the last renewal`,
      );
      // b sees the last renewal at its next try, the expiry a lease duration later at a try, and
      // takes the lease at its next: within two jittered retry periods past expiry (440 ms),
      // with three timers on the way (two retries and the poll above).
      assert.ok(
        tookOver - answered < timings.leaseDurationMs + 600 + 3 * late.max(),
        `b took over ${(tookOver - answered).toFixed(0)} ms after the last renewal (timers up to ${late.max().toFixed(0)} ms late)`,
      );
      assert.equal(spec(store).leaseTransitions, 1);

      // a recovers: it runs for leader again, sees b's lease renewed, and does not take it.
      state.mode = 'ok';
      await delay(1500);
      assert.equal(a.elector.isLeader(), false);
      assert.equal(a.startedAt(1), undefined);
      assert.equal(a.elector.leader(), 'b');
      assert.equal(spec(store).holderIdentity, 'b');
      await Promise.all([a.stop(), b.stop()]);
    });
  }

  test('leaseTransitions counts the changes of holder, and a returning holder keeps its term', async () => {
    const store = createMemoryLeaseClient();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => candidate(id, store)) as [Candidate, Candidate, Candidate];
    a.start();
    await until(() => a.elector.isLeader(), 'a to lead');
    b.start();
    c.start();
    await delay(300);
    const holders: [string, number][] = [];
    for (let i = 0; i < 3; i++) {
      const leader = [a, b, c].find((x) => x.elector.isLeader());
      assert.ok(leader);
      holders.push([spec(store).holderIdentity!, spec(store).leaseTransitions!]);
      assert.equal(leader.elector.observedRecord()?.leaseTransitions, i);
      await leader.stop();
      if (i < 2) await until(() => [a, b, c].some((x) => x.elector.isLeader()), 'a successor');
    }
    assert.deepEqual(
      holders.map(([, t]) => t),
      [0, 1, 2],
    );
    assert.equal(new Set(holders.map(([h]) => h)).size, 3);
    assert.equal(spec(store).holderIdentity, '');

    // A process that comes back with the identity still in the lease takes it at once, same term.
    const lease = store.peek(ref)!;
    const acquireTime = new Date(Date.now() - 60_000);
    lease.spec = { ...lease.spec, holderIdentity: 'd', acquireTime, renewTime: new Date() };
    await store.update(lease, { timeoutMs: 1000 });
    const d = candidate('d', store);
    const starting = now();
    d.start();
    const led = await until(() => d.elector.isLeader(), 'd to lead');
    assert.ok(
      led - starting < 100 + late.max(),
      `d took ${(led - starting).toFixed(0)} ms (timers up to ${late.max().toFixed(0)} ms late)`,
    );
    assert.equal(spec(store).leaseTransitions, 2);
    assert.deepEqual(spec(store).acquireTime, acquireTime);
    await d.stop();
  });

  test('on shutdown the leading work settles before the lease is released; renewals go on meanwhile', async () => {
    const store = createMemoryLeaseClient();
    let workSettled = 0;
    const a = candidate('a', store, {
      work: async (signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        await delay(400);
        workSettled = now();
      },
    });
    const b = candidate('b', store);
    a.start();
    await until(() => a.elector.isLeader(), 'a to lead');
    b.start();
    await delay(200);
    const aborted = now();
    const renewedBefore = spec(store).renewTime!.getTime();
    const stopping = a.stop();
    await delay(300);
    assert.equal(a.terms[0]?.aborted, true, 'the work was told to stop at once');
    assert.equal(a.elector.isLeader(), true, 'a leads while its work winds down');
    assert.ok(spec(store).renewTime!.getTime() > renewedBefore, 'and renews');
    await stopping;
    assert.ok(workSettled > aborted && a.stoppedAt()! >= workSettled);
    await until(() => b.elector.isLeader(), 'b to lead');
    assert.ok(b.startedAt()! > workSettled);
    await b.stop();
  });

  test('a leader that sees another holder stops at once', async () => {
    const store = createMemoryLeaseClient();
    const a = candidate('a', store);
    a.start();
    await until(() => a.elector.isLeader(), 'a to lead');
    const lease = store.peek(ref)!;
    lease.spec = { ...lease.spec, holderIdentity: 'intruder', leaseTransitions: 1 };
    const taken = now();
    await store.update(lease, { timeoutMs: 1000 });
    const stopped = await until(() => !a.elector.isLeader(), 'a to stop');
    // Its next renewal finds the intruder: a retry period's timer and the poll above on the way.
    assert.ok(
      stopped - taken < 2 * timings.retryPeriodMs + 50 + 2 * late.max(),
      `a stopped after ${(stopped - taken).toFixed(0)} ms (timers up to ${late.max().toFixed(0)} ms late)`,
    );
    assert.equal(a.elector.leader(), 'intruder');
    await a.stop();
    assert.equal(spec(store).holderIdentity, 'intruder', 'a did not release what it does not hold');
  });

  test('leader_election_master_status, and run is not reentrant', async () => {
    const store = createMemoryLeaseClient();
    const registry = new Registry();
    const value = async (name: string) =>
      (await registry.getSingleMetric('leader_election_master_status')?.get())?.values.find(
        (v) => v.labels.name === name,
      )?.value;
    const a = candidate('a', store, { registry });
    candidate('other', store, { registry, lease: { namespace: 'kube-system', name: 'other' } });
    assert.equal(await value(ref.name), 0);
    a.start();
    await until(() => a.elector.isLeader(), 'a to lead');
    assert.equal(await value(ref.name), 1);
    assert.equal(await value('other'), 0);
    await assert.rejects(a.elector.run(new AbortController().signal), /already running/);
    await a.stop();
    assert.equal(await value(ref.name), 0);
  });
});

describe('the in-memory lease client', () => {
  test('creates once and updates only over the current resourceVersion', async () => {
    const store = createMemoryLeaseClient();
    const o = { timeoutMs: 1000 };
    const lease = Lease.fromPartial({ metadata: { ...ref }, spec: { holderIdentity: 'a' } });
    const created = await store.create(lease, o);
    assert.equal(created.metadata?.resourceVersion, '1');
    await assert.rejects(
      store.create(lease, o),
      (err: unknown) => err instanceof ApiError && err.code === Code.ALREADY_EXISTS,
    );
    const updated = await store.update(created, o);
    assert.equal(updated.metadata?.resourceVersion, '2');
    await assert.rejects(
      store.update(created, o),
      (err: unknown) => err instanceof ApiError && err.code === Code.ABORTED,
    );
    assert.equal(await store.get({ namespace: 'x', name: 'y' }, o), undefined);
    const got = await store.get(ref, o);
    got!.spec!.holderIdentity = 'mutated';
    assert.equal(store.peek(ref)?.spec?.holderIdentity, 'a', 'callers get copies');
  });
});
