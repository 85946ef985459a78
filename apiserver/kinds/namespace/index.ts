/** The Namespace: its strategy and the finalize subresource. */
import type { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { KindDefinition } from '../kind-definition.js';
import { namespaceFinalizeMethods } from './finalize.js';
import { namespaceStrategy } from './strategy.js';

export const namespaceKind: KindDefinition<Namespace> = {
  kind: 'Namespace',
  strategy: () => namespaceStrategy(),
  subresources: namespaceFinalizeMethods,
};
