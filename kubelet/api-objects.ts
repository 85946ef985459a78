/**
 * The kubelet's ObjectSource over the apiserver: ConfigMaps and Secrets fetched by name
 * (what the node authorizer allows), and bound service account tokens through
 * `ServiceAccountService.CreateServiceAccountToken`.
 */
import { requestServiceAccountToken } from '../sdk/client/service-account-token.js';
import type { Clientset } from '../sdk/client/typed-client.js';
import { ApiError, Code } from '../sdk/errors.js';
import type { ConfigMap } from '../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Secret } from '../sdk/gen/wheelhouse/core/v1/secret.js';
import type { Service } from '../sdk/gen/wheelhouse/core/v1/service.js';
import type { ObjectSource } from './pods/object-source.js';

const orUndefined = <T>(p: Promise<T>): Promise<T | undefined> =>
  p.catch((err: unknown) => {
    if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
    throw err;
  });

export function apiObjectSource(clients: Clientset): ObjectSource {
  const configMaps = clients.kind<ConfigMap>('ConfigMap');
  const secrets = clients.kind<Secret>('Secret');
  const services = clients.kind<Service>('Service');
  return {
    configMap: (ns, name) => orUndefined(configMaps.get(ns, name)),
    secret: (ns, name) => orUndefined(secrets.get(ns, name)),
    // From the watch cache ("0"): a pod start need not wait for a consistent read.
    services: async (ns) => (await services.list(ns, { resourceVersion: '0' })).items,
    serviceAccountToken: (ns, name, opts) =>
      requestServiceAccountToken(clients.api, ns, name, {
        expirationSeconds: opts.expirationSeconds,
        audiences: opts.audience ? [opts.audience] : [],
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: opts.podName, uid: opts.podUid },
      }),
  };
}
