/** The Node: its strategy. */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { KindDefinition } from '../kind-definition.js';
import { nodeStrategy } from './strategy.js';

export const nodeKind: KindDefinition<Node> = {
  kind: 'Node',
  strategy: () => nodeStrategy(),
};
