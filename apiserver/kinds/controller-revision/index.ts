/** The ControllerRevision: an immutable snapshot of what a DaemonSet or StatefulSet rolled out. */
import type { ControllerRevision } from '../../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { KindDefinition } from '../kind-definition.js';
import { controllerRevisionStrategy } from './strategy.js';

export const controllerRevisionKind: KindDefinition<ControllerRevision> = {
  kind: 'ControllerRevision',
  strategy: () => controllerRevisionStrategy(),
};
