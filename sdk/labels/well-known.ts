/** Labels with a meaning across components, as Kubernetes names them. */

/** On an EndpointSlice: the Service whose endpoints it holds. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
