/** The serviceaccount controller: a `default` ServiceAccount in every active namespace. */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { createServiceAccountController } from './service-account-controller.js';

export const serviceAccountController: ControllerDescriptor = {
  name: 'serviceaccount',
  enabledByDefault: true,
  serviceAccount: 'service-account-controller',
  flags: {
    'concurrent-serviceaccount-syncs': {
      type: 'string',
      default: '5',
      help: 'namespaces whose service accounts are ensured at once',
    },
  },
  async run(ctx) {
    const raw = String(ctx.flags['concurrent-serviceaccount-syncs']);
    const workers = Number(raw);
    if (!Number.isInteger(workers) || workers < 1)
      throw new Error(`--concurrent-serviceaccount-syncs must be a positive integer, not "${raw}"`);
    await createServiceAccountController(ctx, { workers }).run(ctx.signal);
  },
};
