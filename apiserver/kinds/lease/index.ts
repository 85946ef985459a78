/** The Lease: its strategy. */
import type { Lease } from '../../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { KindDefinition } from '../kind-definition.js';
import { leaseStrategy } from './strategy.js';

export const leaseKind: KindDefinition<Lease> = {
  kind: 'Lease',
  strategy: () => leaseStrategy(),
};
