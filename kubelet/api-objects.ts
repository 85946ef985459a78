/**
 * The kubelet's ObjectSource over the apiserver: ConfigMaps and Secrets fetched by name
 * (what the node authorizer allows), and bound service account tokens through
 * `ServiceAccountService.CreateServiceAccountToken`.
 */
import type { Clientset } from '../sdk/client/typed-client.js';
import { ApiError, Code } from '../sdk/errors.js';
import type { ConfigMap } from '../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Secret } from '../sdk/gen/wheelhouse/core/v1/secret.js';
import { CreateServiceAccountTokenRequest } from '../sdk/gen/wheelhouse/core/v1/service_account_service.js';
import { kinds } from '../sdk/kinds.js';
import type { ObjectSource } from './pods/object-source.js';

const orUndefined = <T>(p: Promise<T>): Promise<T | undefined> =>
  p.catch((err: unknown) => {
    if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
    throw err;
  });

export function apiObjectSource(clients: Clientset): ObjectSource {
  const configMaps = clients.kind<ConfigMap>('ConfigMap');
  const secrets = clients.kind<Secret>('Secret');
  const serviceAccounts = kinds.find((k) => k.kind === 'ServiceAccount');
  return {
    configMap: (ns, name) => orUndefined(configMaps.get(ns, name)),
    secret: (ns, name) => orUndefined(secrets.get(ns, name)),
    async serviceAccountToken(ns, name, opts) {
      if (!serviceAccounts) throw new Error('the ServiceAccount kind is not known to this client');
      const request = CreateServiceAccountTokenRequest.fromPartial({
        namespace: ns,
        name,
        tokenRequest: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          metadata: { name, namespace: ns },
          spec: {
            audiences: opts.audience ? [opts.audience] : [],
            expirationSeconds: String(opts.expirationSeconds),
            boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: opts.podName, uid: opts.podUid },
          },
        },
      });
      const res = (await clients.api.call(serviceAccounts, 'createServiceAccountToken', request)) as {
        tokenRequest?: { status?: { token?: string; expirationTimestamp?: Date } };
      };
      const status = res.tokenRequest?.status;
      if (!status?.token) throw new Error('the apiserver answered the token request without a token');
      return {
        token: status.token,
        expiresAt: status.expirationTimestamp ?? new Date(Date.now() + opts.expirationSeconds * 1000),
      };
    },
  };
}
