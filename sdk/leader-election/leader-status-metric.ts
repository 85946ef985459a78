/**
 * client-go's `leader_election_master_status{name}`: 1 while this process leads the
 * election of that name, 0 otherwise. One gauge a registry, shared by every elector
 * registered there.
 */
import { Gauge, type Registry } from 'prom-client';

const METRIC = 'leader_election_master_status';

export interface LeaderStatusMetric {
  set(leading: boolean): void;
}

export function leaderStatusMetric(registry: Registry | undefined, name: string): LeaderStatusMetric {
  if (!registry) return { set() {} };
  const existing = registry.getSingleMetric(METRIC);
  const gauge =
    existing instanceof Gauge
      ? (existing as Gauge<'name'>)
      : new Gauge({
          name: METRIC,
          help: 'Whether this process is the leader of the named election (1) or not (0).',
          labelNames: ['name'] as const,
          registers: [registry],
        });
  gauge.set({ name }, 0);
  return { set: (leading) => gauge.set({ name }, leading ? 1 : 0) };
}
