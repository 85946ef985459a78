/** The garbage-collector controller: cascading deletion along ownerReferences. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { createGarbageCollector } from './garbage-collector.js';

export const garbageCollectorController: ControllerDescriptor = {
  name: 'garbage-collector',
  eventSource: 'garbage-collector-controller',
  enabledByDefault: true,
  serviceAccount: 'generic-garbage-collector',
  flags: {
    'concurrent-gc-syncs': {
      type: 'string',
      default: '20',
      help: 'garbage collector workers (attempt-to-delete and attempt-to-orphan each)',
    },
  },
  async run(ctx) {
    const workers = Number(ctx.flags['concurrent-gc-syncs'] ?? '20');
    if (!Number.isInteger(workers) || workers < 1)
      throw new Error(
        `--concurrent-gc-syncs must be a positive integer, not "${String(ctx.flags['concurrent-gc-syncs'])}"`,
      );
    await createGarbageCollector(ctx, { workers }).run();
  },
};
