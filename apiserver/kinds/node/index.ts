/** The Node: its strategy, and the stats subresource. */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { KindDefinition } from '../kind-definition.js';
import { nodeStatsMethods } from './stats.js';
import { nodeStrategy } from './strategy.js';

export const nodeKind: KindDefinition<Node> = {
  kind: 'Node',
  strategy: () => nodeStrategy(),
  subresources: (ctx) => nodeStatsMethods(ctx),
};
