/** The Deployment: its strategy, and the scale subresource. */
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { KindDefinition } from '../kind-definition.js';
import { scaleMethods } from '../shared/scale.js';
import { deploymentStrategy } from './strategy.js';

export const deploymentKind: KindDefinition<Deployment> = {
  kind: 'Deployment',
  strategy: () => deploymentStrategy(),
  subresources: scaleMethods,
};
