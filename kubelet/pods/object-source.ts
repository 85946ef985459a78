/**
 * Where a pod's ConfigMaps, Secrets and service account tokens come from: the apiserver
 * in the kubelet, plain maps in unit tests. The node authorizer lets a kubelet read only
 * the objects its pods reference, so each is fetched by name, never listed; Services
 * (which every node may read, for service links) are listed by namespace.
 */
import type { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Secret } from '../../sdk/gen/wheelhouse/core/v1/secret.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';

export interface ObjectSource {
  /** The ConfigMap, or undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** The Services of a namespace, for the pods' service link variables. */
  services(namespace: string): Promise<Service[]>;
  /** A token of the service account bound to the pod, for the audience, valid about `expirationSeconds`. */
  serviceAccountToken(
    namespace: string,
    serviceAccount: string,
    opts: { audience: string; expirationSeconds: number; podName: string; podUid: string },
  ): Promise<{ token: string; expiresAt: Date }>;
}
