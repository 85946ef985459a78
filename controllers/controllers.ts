/** Every controller the controller manager can run, in the order they start. */
import type { ControllerDescriptor } from './controller-descriptor.js';
import { cronJobController } from './cronjob/index.js';
import { daemonSetController } from './daemonset/index.js';
import { deploymentController } from './deployment/index.js';
import { disruptionController } from './disruption/index.js';
import { endpointController } from './endpoint/index.js';
import { endpointSliceController } from './endpointslice/index.js';
import { endpointSliceMirroringController } from './endpointslicemirroring/index.js';
import { garbageCollectorController } from './garbage-collector/index.js';
import { jobController } from './job/index.js';
import { namespaceController } from './namespace/index.js';
import { nodeLifecycleController } from './node-lifecycle/index.js';
import { podGcController } from './pod-gc/index.js';
import { horizontalPodAutoscalerController } from './podautoscaler/index.js';
import { replicaSetController } from './replicaset/index.js';
import { serviceAccountController } from './service-account/index.js';
import { statefulSetController } from './statefulset/index.js';
import { ttlAfterFinishedController } from './ttl-after-finished/index.js';

export const controllers: readonly ControllerDescriptor[] = [
  replicaSetController,
  deploymentController,
  garbageCollectorController,
  namespaceController,
  nodeLifecycleController,
  podGcController,
  serviceAccountController,
  statefulSetController,
  disruptionController,
  daemonSetController,
  jobController,
  cronJobController,
  ttlAfterFinishedController,
  endpointController,
  endpointSliceController,
  endpointSliceMirroringController,
  horizontalPodAutoscalerController,
];
