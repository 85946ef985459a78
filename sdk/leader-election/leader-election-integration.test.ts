/**
 * Leader election through a real store and apiserver, between candidates that are
 * processes of their own (testdata/candidate.ts): the leader is killed (SIGKILL) and
 * stopped cleanly (SIGTERM) over and over, and the counter its terms increment in a
 * ConfigMap shows whether two of them ever led at once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { watch } from '../../test/watch.js';
import type { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';
import type { ConfigMap } from '../gen/wheelhouse/core/v1/config_map.js';
import type { CreateConfigMapResponse } from '../gen/wheelhouse/core/v1/config_map_service.js';
import { JITTER_FACTOR } from './index.js';

const script = new URL('./testdata/candidate.ts', import.meta.url).pathname;
const lease = { namespace: 'kube-system', name: 'fenced-election' };
const counter = { namespace: 'default', name: 'fenced-counter' };
// Whole seconds: the Lease records leaseDurationSeconds.
const leaseMs = 2000;
const renewMs = 1500;
const retryMs = 250;
const KILLS = 4;
const CLEAN_STOPS = 2;

interface Line {
  at: number;
  id: string;
  what: string;
  fields: string[];
}

interface Candidate {
  id: string;
  slot: number;
  child: ChildProcess;
  stderr: string;
  exited: Promise<number | null>;
}

describe('leader election through the apiserver, candidates in processes', () => {
  let cluster: Cluster;
  const running = new Set<Candidate>();

  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    for (const c of running) c.child.kill('SIGKILL');
    await cluster?.stop();
  });

  test('leaders killed and stopped: one leader at a time, quick successions', {
    timeout: 120_000,
  }, async (t) => {
    const configMaps = cluster.client('configmaps');
    const created = await call<CreateConfigMapResponse>(configMaps, 'createConfigMap', {
      configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: counter, data: { count: '0' } },
    });
    const since = created.configMap?.metadata?.resourceVersion ?? '';
    // Every write of both objects from here on, in the store's order (resourceVersions are its revisions).
    const counterWrites = watch<ConfigMap>(configMaps, 'watchConfigMaps', {
      namespace: counter.namespace,
      options: { resourceVersion: since },
    });
    const leaseWrites = watch<Lease>(cluster.client('leases'), 'watchLeases', {
      namespace: lease.namespace,
      options: { resourceVersion: since },
    });

    const lines: Line[] = [];
    let notify: (() => void) | undefined;
    const generation = [0, 0, 0];
    const spawnCandidate = (slot: number): Candidate => {
      const id = `candidate-${slot}-${generation[slot]!++}`;
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          script,
          ...['--server', cluster.apiserver, '--ca', cluster.pki.caFile],
          ...['--cert', cluster.pki.admin.certFile, '--key', cluster.pki.admin.keyFile],
          ...['--identity', id, '--lease', `${lease.namespace}/${lease.name}`],
          ...['--counter', `${counter.namespace}/${counter.name}`],
          ...['--lease-ms', String(leaseMs), '--renew-ms', String(renewMs), '--retry-ms', String(retryMs)],
        ],
        { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'info' } },
      );
      const c: Candidate = {
        id,
        slot,
        child,
        stderr: '',
        exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
      };
      child.stderr?.on('data', (d: Buffer) => {
        c.stderr += d.toString();
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const [what = '', lineId = '', ...fields] = line.split(' ');
        lines.push({ at: performance.now(), id: lineId, what, fields });
        notify?.();
      });
      void c.exited.then(() => running.delete(c));
      running.add(c);
      return c;
    };
    const waitFor = async (cond: () => boolean, timeoutMs: number, what: string): Promise<void> => {
      const deadline = performance.now() + timeoutMs;
      while (!cond()) {
        const left = deadline - performance.now();
        if (left <= 0) {
          const said = lines.map((l) => `${l.what} ${l.id} ${l.fields.join(' ')}`).join('\n');
          const stderr = [...running].map((c) => `${c.id}:\n${c.stderr.slice(-2000)}`).join('\n');
          throw new Error(`timed out waiting for ${what}\n${said}\n${stderr}`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          notify = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    };
    /** The first line from index `from` on that `pred` accepts, once there is one. */
    const next = async (pred: (l: Line) => boolean, from: number, timeoutMs: number, what: string) => {
      await waitFor(() => lines.slice(from).some(pred), timeoutMs, what);
      return lines.slice(from).find(pred)!;
    };
    const timeline = () => {
      const t0 = lines[0]?.at ?? 0;
      const said = lines.filter((l) => l.what !== 'INC');
      return said
        .map((l) => `${(l.at - t0).toFixed(0)} ms ${l.what} ${l.id} ${l.fields.join(' ')}`)
        .join('\n');
    };
    /** Whether a candidate has read the Lease (it says whom it sees hold it). */
    const sees = (c: Candidate) => lines.some((l) => l.what === 'SEES' && l.id === c.id);
    /** The candidate that said LEADING last and has not stopped since, if any. */
    const currentLeader = (): { candidate: Candidate; since: number } | undefined => {
      for (let i = lines.length - 1; i >= 0; i--) {
        const l = lines[i]!;
        if (l.what === 'STOPPED' || l.what === 'EXITED') return undefined;
        if (l.what === 'LEADING') {
          const candidate = [...running].find((c) => c.id === l.id);
          return candidate && { candidate, since: i };
        }
      }
      return undefined;
    };

    for (const slot of [0, 1, 2]) spawnCandidate(slot);
    // Starting a process takes seconds on a busy machine: every round begins with every candidate running.
    await waitFor(() => [...running].every(sees), 30_000, 'the candidates to read the lease');
    /** When the parent killed each leader it killed. */
    const killed = new Map<string, number>();
    const takeovers: { how: 'SIGKILL' | 'SIGTERM'; from: string; to: string; ms: number }[] = [];

    for (let round = 0; round < KILLS + CLEAN_STOPS; round++) {
      const how = round < KILLS ? 'SIGKILL' : 'SIGTERM';
      await waitFor(() => currentLeader() !== undefined, 30_000, 'a leader');
      const { candidate: leader, since } = currentLeader()!;
      // Let it do some work first.
      const increments = () =>
        lines.slice(since).filter((l) => l.what === 'INC' && l.id === leader.id).length;
      await waitFor(() => increments() >= 3, 30_000, `increments by ${leader.id}`);
      const mark = lines.length;
      const stoppedAt = performance.now();
      leader.child.kill(how);
      if (how === 'SIGKILL') killed.set(leader.id, stoppedAt);
      const successor = await next(
        (l) => l.what === 'LEADING' && l.id !== leader.id,
        mark,
        leaseMs + 10 * retryMs + 5000,
        `a successor to ${leader.id}`,
      );
      takeovers.push({ how, from: leader.id, to: successor.id, ms: successor.at - stoppedAt });
      const code = await leader.exited;
      if (how === 'SIGTERM') {
        assert.equal(code, 0, `${leader.id} exited cleanly:\n${leader.stderr}`);
        assert.ok(lines.some((l) => l.what === 'EXITED' && l.id === leader.id));
      }
      const respawned = spawnCandidate(leader.slot);
      await waitFor(() => sees(respawned), 30_000, `${respawned.id} to read the lease`);
    }
    for (const c of running) c.child.kill('SIGTERM');
    const codes = await Promise.all([...running].map((c) => c.exited));
    assert.deepEqual(
      codes.filter((c) => c !== 0),
      [],
      'the others exited cleanly',
    );

    for (const { how, ms } of takeovers) t.diagnostic(`${how}: new leader after ${ms.toFixed(0)} ms`);
    // After a kill, the parent hears of a successor only once the lease has expired (never before).
    for (const { how, ms } of takeovers) {
      if (how === 'SIGKILL')
        assert.ok(
          ms >= leaseMs - retryMs - 200,
          `${how}: taken over after ${ms.toFixed(0)} ms\n${timeline()}`,
        );
    }

    // One leader at a time, as the processes said it: a LEADING line while another
    // candidate leads (not stopped, not killed) is a second leader.
    const leadingNow = new Set<string>();
    for (const l of lines) {
      for (const [id, at] of killed) if (at <= l.at) leadingNow.delete(id);
      if (l.what === 'LEADING') {
        assert.deepEqual([...leadingNow], [], `${l.id} started leading while others led\n${timeline()}`);
        leadingNow.add(l.id);
      } else if (l.what === 'STOPPED') leadingNow.delete(l.id);
    }
    // Each new holder is one more transition of the lease; a holder that lost its lease and
    // took it back before anyone else is still in its term.
    const terms = lines.filter((l) => l.what === 'LEADING');
    assert.ok(terms.length >= KILLS + CLEAN_STOPS + 1);
    terms.forEach((l, i) => {
      const before = terms[i - 1];
      const expected = before ? Number(before.fields[0]) + (before.id === l.id ? 0 : 1) : 0;
      assert.equal(Number(l.fields[0]), expected, `the term of ${l.id}\n${timeline()}`);
    });

    // One leader at a time, as the store saw it: every increment was written while its
    // writer held the lease in the term it wrote, and the counter never lost a write.
    const increments = lines.filter((l) => l.what === 'INC');
    const last = Math.max(...increments.map((l) => Number(l.fields[1])));
    await counterWrites.until((events) => events.some((e) => e.object.data.count === String(last)));
    const leaseHistory = leaseWrites.events
      .filter((e) => e.type !== 'BOOKMARK')
      .map((e) => ({ rv: BigInt(e.object.metadata?.resourceVersion ?? '0'), spec: e.object.spec }));
    const counterHistory = counterWrites.events
      .filter((e) => e.type === 'MODIFIED' && e.object.metadata?.name === counter.name)
      .map((e) => ({
        rv: BigInt(e.object.metadata?.resourceVersion ?? '0'),
        count: Number(e.object.data.count),
        writer: e.object.data.writer ?? '',
        term: Number(e.object.data.term),
      }));
    assert.equal(counterHistory.length, last);
    assert.deepEqual(
      counterHistory.map((w) => w.count),
      counterHistory.map((_, i) => i + 1),
      'every increment is one more than the last',
    );
    for (const w of counterHistory) {
      const holding = leaseHistory.filter((l) => l.rv < w.rv).at(-1)?.spec;
      assert.equal(
        holding?.holderIdentity,
        w.writer,
        `increment ${w.count} by ${w.writer} while the lease was held by ${holding?.holderIdentity}`,
      );
      assert.equal(holding?.leaseTransitions, w.term, `increment ${w.count} in the term of the lease`);
    }
    const blocks = counterHistory.filter((w, i) => i === 0 || counterHistory[i - 1]?.term !== w.term);
    assert.deepEqual(
      blocks.map((b) => b.term),
      [...new Set(counterHistory.map((w) => w.term))].sort((a, b) => a - b),
      'terms never interleave, and only grow',
    );
    t.diagnostic(`${last} increments in ${blocks.length} terms; ${leaseHistory.length} lease writes`);

    // Successions, as the store saw them. After a kill, the successor took the lease within
    // two jittered retries of its expiry: timed by the lease's own times, which the
    // candidates write when they begin a try, so that how late the parent heard of it does
    // not count (the slack is for a busy machine). After a clean stop, the leaving leader
    // released the lease and the next write is the successor's: it waited for no expiry.
    const lastSuccessor = takeovers.at(-1)?.to;
    await leaseWrites.until((events) => events.some((e) => e.object.spec?.holderIdentity === lastSuccessor));
    const writes = leaseWrites.events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.object.spec);
    const history = writes
      .map((w) => `${w?.holderIdentity || '(free)'} ${w?.renewTime?.toISOString()}`)
      .join('\n');
    for (const { how, from, to } of takeovers) {
      const i = writes.findIndex((w) => w?.holderIdentity === to);
      const acquired = writes[i];
      assert.ok(acquired?.acquireTime, `${to} took the lease\n${history}`);
      if (how === 'SIGKILL') {
        const renewal = writes[i - 1];
        assert.equal(renewal?.holderIdentity, from, `${to} took the lease over from ${from}\n${history}`);
        assert.ok(renewal?.renewTime);
        const ms = acquired.acquireTime.getTime() - renewal.renewTime.getTime();
        t.diagnostic(`SIGKILL: the lease taken ${ms} ms after its last renewal, by the lease's times`);
        assert.ok(
          ms <= leaseMs + 2 * (1 + JITTER_FACTOR) * retryMs + 1000,
          `${to} took the lease ${ms} ms after ${from} last renewed it\n${history}`,
        );
      } else {
        assert.deepEqual(
          [writes[i - 2]?.holderIdentity, writes[i - 1]?.holderIdentity],
          [from, ''],
          `${from} released the lease and ${to} took it next\n${history}`,
        );
      }
    }
    counterWrites.cancel();
    leaseWrites.cancel();
  });
});
