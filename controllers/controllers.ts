/** Every controller the controller manager can run, in the order they start. */
import type { ControllerDescriptor } from './controller-descriptor.js';
import { deploymentController } from './deployment/index.js';
import { garbageCollectorController } from './garbage-collector/index.js';
import { replicaSetController } from './replicaset/index.js';

export const controllers: readonly ControllerDescriptor[] = [
  replicaSetController,
  deploymentController,
  garbageCollectorController,
];
