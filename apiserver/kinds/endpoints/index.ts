/** Endpoints: the legacy list of a Service's addresses and ports (core v1), superseded by EndpointSlices. */
import type { Endpoints } from '../../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import type { KindDefinition } from '../kind-definition.js';
import { endpointsStrategy } from './strategy.js';

export const endpointsKind: KindDefinition<Endpoints> = {
  kind: 'Endpoints',
  strategy: () => endpointsStrategy(),
};
