/**
 * A small component for the bootstrap's tests: while it leads, it records an Event
 * about every Pod it sees and prints LEADING / STOPPED lines.
 */
import type { Pod } from '../../gen/wheelhouse/core/v1/pod.js';
import { runComponent } from '../run-component.js';

const code = await runComponent(
  {
    name: 'demo',
    description: 'Usage: demo-component [flags]\n\nRecords an Event about every Pod.',
    securePort: 0,
    leaderElection: { resourceName: 'kube-scheduler' },
    async run(ctx) {
      process.stdout.write(`LEADING ${process.pid}\n`);
      const pods = ctx.informers.informerFor<Pod>('Pod');
      pods.addEventHandler({
        onAdd: (pod) => ctx.events.event(pod, 'Normal', 'Seen', `seen by ${process.pid}`),
      });
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      process.stdout.write(`STOPPED ${process.pid}\n`);
    },
  },
  process.argv.slice(2),
);
process.exit(code);
