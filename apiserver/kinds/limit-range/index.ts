/** The LimitRange: its strategy. */
import type { LimitRange } from '../../../sdk/gen/wheelhouse/core/v1/limit_range.js';
import type { KindDefinition } from '../kind-definition.js';
import { limitRangeStrategy } from './strategy.js';

export const limitRangeKind: KindDefinition<LimitRange> = {
  kind: 'LimitRange',
  strategy: () => limitRangeStrategy(),
};
