/** The namespace controller: empties Terminating namespaces, then lets them go. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { createNamespaceController } from './namespace-controller.js';

export const namespaceController: ControllerDescriptor = {
  name: 'namespace',
  eventSource: 'namespace-controller',
  enabledByDefault: true,
  serviceAccount: 'namespace-controller',
  flags: {
    'concurrent-namespace-syncs': {
      type: 'string',
      default: '10',
      help: 'namespaces emptied at once',
    },
  },
  async run(ctx) {
    const workers = Number(ctx.flags['concurrent-namespace-syncs'] ?? '10');
    if (!Number.isInteger(workers) || workers < 1)
      throw new Error(
        `--concurrent-namespace-syncs must be a positive integer, not "${String(ctx.flags['concurrent-namespace-syncs'])}"`,
      );
    await createNamespaceController(ctx, { workers }).run(ctx.signal);
  },
};
