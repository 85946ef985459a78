/** The Secret: its strategy. */
import type { Secret } from '../../../sdk/gen/wheelhouse/core/v1/secret.js';
import type { KindDefinition } from '../kind-definition.js';
import { secretStrategy } from './strategy.js';

export const secretKind: KindDefinition<Secret> = {
  kind: 'Secret',
  strategy: () => secretStrategy(),
};
