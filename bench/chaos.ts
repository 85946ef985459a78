/**
 * `npm run chaos`: faults while the soak's churn runs (bench/churn.ts), and after each the
 * time the cluster takes to converge. The plane (bench/plane.ts) runs two simulator hosts,
 * its components reach the apiserver through a relay that can cut their connections, and
 * every process is supervised as `up` supervises it (restarted when it exits).
 *
 * Each round: the churn runs for `--round-time`, one fault strikes in the middle of it,
 * then the churn pauses and the cluster must converge within `--converge-timeout`: every
 * Deployment at its acknowledged replicas with its acknowledged template and all pods
 * Running on live nodes, no pod or ReplicaSet orphaned or duplicated, every acknowledged
 * ConfigMap value present, quotas charging what exists (bench/convergence.ts). Faults, in
 * turn: SIGKILL of the apiserver, the store, the controller manager, the scheduler, a
 * simulator host; SIGSTOP of the controller manager or the scheduler for longer than its
 * lease (then SIGCONT); every watch and connection of the components cut.
 *
 * Prints each round, the rounds survived and the time to converge p50/max; exits 1 if a
 * round did not converge.
 *
 *   npm run chaos -- [--rounds 16] [--round-time 20s] [--converge-timeout 90s] [--rate 5]
 *       [--nodes 20] [--tmp-dir DIR]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../sdk/duration.js';
import { startChurn } from './churn.js';
import { converge, createQuotas } from './convergence.js';
import { controllerManagerQueues, diagnose } from './diagnosis.js';
import { killEverything, type Plane, startPlane } from './plane.js';
import { percentile } from './pod-tracker.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '16' },
    'round-time': { type: 'string', default: '20s' },
    'converge-timeout': { type: 'string', default: '90s' },
    rate: { type: 'string', default: '5' },
    nodes: { type: 'string', default: '20' },
    'tmp-dir': { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
  strict: true,
});

const LEASE = { duration: '6s', renew: '4s', retry: '1s' };
const LEASE_MS = 6_000;

const out = (line: string) => process.stdout.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fault {
  readonly name: string;
  /** Strikes; resolves once the fault is over (a stopped process continued). */
  strike(plane: Plane): Promise<string>;
}

const kill = (
  which: (p: Plane) => { signal(s: NodeJS.Signals): void; pid: number },
  name: string,
): Fault => ({
  name: `SIGKILL ${name}`,
  async strike(plane) {
    const p = which(plane);
    const pid = p.pid;
    p.signal('SIGKILL');
    return `pid ${pid}`;
  },
});

const pause = (
  which: (p: Plane) => { signal(s: NodeJS.Signals): void; pid: number },
  name: string,
): Fault => ({
  name: `SIGSTOP ${name} for ${(LEASE_MS + 3000) / 1000} s`,
  async strike(plane) {
    const p = which(plane);
    const pid = p.pid;
    p.signal('SIGSTOP');
    try {
      await sleep(LEASE_MS + 3000);
    } finally {
      // The same process: the supervisor may not have replaced it while it was stopped.
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // It is gone.
      }
    }
    return `pid ${pid}, lease ${LEASE.duration}`;
  },
});

const simulatorHost = (plane: Plane) => {
  const hosts = [...plane.simulators.values()];
  return hosts[Math.floor(Math.random() * hosts.length)] as { signal(s: NodeJS.Signals): void; pid: number };
};

const FAULTS: Fault[] = [
  kill((p) => p.apiserver, 'apiserver'),
  kill((p) => p.store, 'store'),
  pause((p) => p.controllerManager, 'controller-manager'),
  {
    name: 'cut every connection of the components',
    async strike(plane) {
      return `${plane.cutConnections()} connections cut`;
    },
  },
  kill((p) => p.controllerManager, 'controller-manager'),
  kill(simulatorHost, 'a simulator host'),
  pause((p) => p.scheduler, 'scheduler'),
  kill((p) => p.scheduler, 'scheduler'),
];

async function main(): Promise<void> {
  const rounds = Number(values.rounds);
  const roundMs = parseDurationMs(values['round-time']);
  const convergeMs = parseDurationMs(values['converge-timeout']);
  const nodes = Number(values.nodes);
  out(
    `chaos: ${rounds} rounds of ${values['round-time']} of churn at ${values.rate} operations/s on ${nodes} simulated nodes (2 hosts), converging within ${values['converge-timeout']}; load average ${load()}`,
  );
  const restarts: string[] = [];
  const plane = await startPlane({
    nodes,
    simulatorHosts: 2,
    relay: true,
    leaseDuration: LEASE.duration,
    renewDeadline: LEASE.renew,
    retryPeriod: LEASE.retry,
    ...(values['tmp-dir'] ? { tmpDir: values['tmp-dir'] } : {}),
    onRestart: (name, code, signal) => restarts.push(`${name} (${signal ?? code})`),
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      killEverything();
      process.exit(130);
    });
  const times: number[] = [];
  let survived = 0;
  try {
    await createQuotas(plane);
    const churn = await startChurn(plane, {
      rate: Number(values.rate),
      seed: Number(values.seed),
      nodeChurnEvery: 0,
    });
    for (let round = 0; round < rounds; round++) {
      const fault = FAULTS[round % FAULTS.length] as Fault;
      restarts.length = 0;
      churn.resume();
      await sleep(roundMs / 2);
      const what = await fault.strike(plane);
      await sleep(roundMs / 2);
      await churn.pause();
      const result = await converge(plane, churn, convergeMs);
      const line = `round ${String(round + 1).padStart(2)}: ${fault.name} (${what}${restarts.length ? `; restarted ${restarts.join(', ')}` : ''})`;
      if (result.problems.length === 0) {
        survived++;
        times.push(result.ms);
        out(`${line}: converged in ${(result.ms / 1000).toFixed(1)} s; load ${load()}`);
      } else {
        out(`${line}: NOT CONVERGED within ${values['converge-timeout']}:`);
        for (const p of result.problems) out(`    ${p}`);
        for (const line of [
          ...(await diagnose(plane, result.problems)),
          ...(await controllerManagerQueues(plane)),
        ])
          out(`    ${line}`);
        break;
      }
    }
    await churn.stop();
    const sorted = [...times].sort((a, b) => a - b);
    out(
      `\nrounds survived: ${survived} of ${rounds}; time to converge p50 ${(percentile(sorted, 50) / 1000).toFixed(1)} s, max ${((sorted.at(-1) ?? Number.NaN) / 1000).toFixed(1)} s (stated bound ${values['converge-timeout']})`,
    );
    out(
      `operations acknowledged ${[...churn.stats.done.values()].reduce((a, b) => a + b, 0)}, conflicts ${churn.stats.conflicts}, unanswered ${churn.stats.unavailable}, other errors ${churn.stats.errorCount}`,
    );
    for (const e of churn.stats.errors.slice(0, 5)) out(`  error: ${e}`);
    out(`load average ${load()}`);
    out(survived === rounds ? 'chaos: passed' : 'chaos: FAILED');
    if (survived < rounds) process.exitCode = 1;
  } finally {
    await plane.stop().catch(() => undefined);
  }
}

try {
  await main();
} catch (err) {
  out(`chaos: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  killEverything();
  process.exitCode = 1;
}
