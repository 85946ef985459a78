import { runComponent } from '../component/index.js';
import { createController } from '../controller/index.js';
import { ApiError, Code } from '../errors.js';
import { ConfigMap } from '../gen/wheelhouse/core/v1/config_map.js';
import type { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { NAMESPACE_INDEX } from '../informers/index.js';

// Keeps a ConfigMap `pod-count` in every namespace with the number of its Pods.
const code = await runComponent(
  {
    name: 'pod-counter',
    description: 'Usage: pod-counter [flags]',
    securePort: 10299,
    leaderElection: { resourceName: 'pod-counter' },
    async run({ informers, clients, signal, logger }) {
      const pods = informers.informerFor<Pod>('Pod');
      const configMaps = clients.kind<ConfigMap>('ConfigMap');
      const controller = createController({
        name: 'pod-counter',
        logger,
        async reconcile({ namespace }) {
          const count = pods.indexer.byIndex(NAMESPACE_INDEX, namespace).length; // read the cache, not the event
          const cm = ConfigMap.fromPartial({
            metadata: { name: 'pod-count', namespace },
            data: { pods: String(count) },
          });
          await configMaps.update(cm).catch((err: unknown) => {
            if (err instanceof ApiError && err.code === Code.NOT_FOUND) return configMaps.create(cm);
            throw err;
          });
          return undefined;
        },
      });
      controller.watch(pods, (pod) => [{ namespace: pod.metadata?.namespace ?? '', name: 'pod-count' }]);
      await controller.run(signal);
    },
  },
  process.argv.slice(2),
);
process.exit(code);
