/**
 * EndpointSlices by the Service their `kubernetes.io/service-name` label names. The
 * EndpointSlice and mirroring controllers share one slice informer, so they share this
 * index too: whichever asks first files it, once.
 */
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import type { Indexer, IndexFunc } from '../../sdk/informers/index.js';
import { serviceKeyOf } from './endpoint-slice-tracker.js';

const SLICE_SERVICE_INDEX = 'metadata.labels.kubernetes.io/service-name';

const indexByService: IndexFunc<EndpointSlice> = (slice) => {
  const key = serviceKeyOf(slice);
  return key === undefined ? [] : [key];
};

/** Files `indexer`'s slices by Service, unless it already does; returns the lookup by Service key. */
export function slicesByService(indexer: Indexer<EndpointSlice>): (serviceKey: string) => EndpointSlice[] {
  if (!indexer.hasIndex(SLICE_SERVICE_INDEX)) indexer.addIndexers({ [SLICE_SERVICE_INDEX]: indexByService });
  return (serviceKey) => indexer.byIndex(SLICE_SERVICE_INDEX, serviceKey);
}
