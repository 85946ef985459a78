/**
 * The `disruption` controller of the controller manager. Like kube-controller-manager's,
 * it has no concurrency flag: one worker keeps every budget's status.
 */
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { runDisruptionController } from './disruption-controller.js';

export const disruptionController: ControllerDescriptor = {
  name: 'disruption',
  eventSource: 'controllermanager',
  enabledByDefault: true,
  serviceAccount: 'disruption-controller',
  run: (ctx) =>
    runDisruptionController(
      {
        informers: ctx.informers,
        clients: ctx.clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'disruption' }),
        registry: ctx.registry,
        workers: 1,
      },
      ctx.signal,
    ),
};
