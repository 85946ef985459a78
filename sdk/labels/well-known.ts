/** Labels with a meaning across components, as Kubernetes names them. */

/** On an EndpointSlice: the Service whose endpoints it holds. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * On an Endpoints: `"true"` keeps the EndpointSlice mirroring controller from copying it into
 * EndpointSlices (the endpoint controller sets it on the Endpoints it keeps).
 */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
