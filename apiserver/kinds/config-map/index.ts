/** The ConfigMap: its strategy. */
import type { ConfigMap } from '../../../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { KindDefinition } from '../kind-definition.js';
import { configMapStrategy } from './strategy.js';

export const configMapKind: KindDefinition<ConfigMap> = {
  kind: 'ConfigMap',
  strategy: () => configMapStrategy(),
};
