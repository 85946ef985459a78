/** Every controller the controller manager can run, in the order they start. */
import type { ControllerDescriptor } from './controller-descriptor.js';
import { deploymentController } from './deployment/index.js';
import { garbageCollectorController } from './garbage-collector/index.js';
import { namespaceController } from './namespace/index.js';
import { nodeLifecycleController } from './node-lifecycle/index.js';
import { podGcController } from './pod-gc/index.js';
import { replicaSetController } from './replicaset/index.js';
import { serviceAccountController } from './service-account/index.js';

export const controllers: readonly ControllerDescriptor[] = [
  replicaSetController,
  deploymentController,
  garbageCollectorController,
  namespaceController,
  nodeLifecycleController,
  podGcController,
  serviceAccountController,
];
