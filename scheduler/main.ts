/**
 * `wheelhouse scheduler`: kube-scheduler's process on the SDK's component runner —
 * the shared flags (client config, health and metrics on 10259, leader election on
 * the Lease kube-system/kube-scheduler) plus `--config` for a
 * KubeSchedulerConfiguration. The configuration is read and checked before anything
 * starts, so that a bad file fails at once rather than when leadership is won.
 */
import { runComponent } from '../sdk/component/index.js';
import { loadConfiguration, type SchedulerConfiguration } from './config/config.js';
import { inTreeRegistry } from './plugins/index.js';
import { createScheduler } from './scheduler.js';

export const SCHEDULER_SECURE_PORT = 10259;
export const SCHEDULER_LEASE = 'kube-scheduler';
export const SCHEDULER_EVENT_SOURCE = 'default-scheduler';

/** The value of `--config FILE` or `--config=FILE` in argv, if any. */
function configPathOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config') return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}

export async function runScheduler(argv: string[]): Promise<void> {
  let config: SchedulerConfiguration;
  try {
    config = loadConfiguration(argv.includes('--help') ? undefined : configPathOf(argv));
  } catch (err) {
    process.stderr.write(`wheelhouse scheduler: invalid --config: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const code = await runComponent(
    {
      name: 'scheduler',
      description:
        'Usage: wheelhouse scheduler [flags]\n\nAssigns each Pod without a node (spec.schedulerName "default-scheduler" or a configured profile\'s) to the Node that fits it best, through the Pod\'s binding subresource.',
      securePort: SCHEDULER_SECURE_PORT,
      leaderElection: { resourceName: SCHEDULER_LEASE },
      eventSource: SCHEDULER_EVENT_SOURCE,
      // Nothing here reads managed fields; its informers hold objects without them.
      informers: { managedFields: false },
      flags: {
        config: {
          type: 'string',
          help: 'a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) file: profiles, plugins and weights, percentageOfNodesToScore, backoff',
        },
      },
      async run({ clients, events, logger, informers, registry, signal, addReadyCheck }) {
        const scheduler = createScheduler({
          config,
          addReadyCheck,
          registry: inTreeRegistry,
          clients,
          events,
          logger,
          informers,
          metricsRegistry: registry,
        });
        await scheduler.run(signal);
      },
    },
    argv,
  );
  process.exit(code);
}
