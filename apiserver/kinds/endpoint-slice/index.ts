/** The EndpointSlice: up to 100 addresses behind a Service, with the ports they serve. */
import type { EndpointSlice } from '../../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import type { KindDefinition } from '../kind-definition.js';
import { endpointSliceStrategy } from './strategy.js';

export const endpointSliceKind: KindDefinition<EndpointSlice> = {
  kind: 'EndpointSlice',
  strategy: () => endpointSliceStrategy(),
};
