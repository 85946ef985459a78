/**
 * A container's environment, as the kubelet builds it: the service links of the pod's
 * namespace first (service-env.ts), then `envFrom` (ConfigMaps and Secrets, each key
 * prefixed), then `env` in order, which wins; values may reference
 * earlier variables as `$(VAR)` (`$$` escapes). A missing required source is an error
 * whose message becomes the container's CreateContainerConfigError.
 */
import type { Container } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type PodRuntimeFields, resolveFieldRef, resolveResourceFieldRef } from './field-ref.js';
import type { ObjectSource } from './object-source.js';
import { serviceLinkEnv } from './service-env.js';

export class ContainerConfigError extends Error {}

export interface EnvContext {
  readonly pod: Pod;
  readonly fields: PodRuntimeFields;
  readonly objects: ObjectSource;
  readonly allocatable: Readonly<Record<string, string>>;
}

/** Expands `$(VAR)` from `vars`; unknown references stay as written, `$$(VAR)` gives `$(VAR)`. */
export function expand(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && vars.has(name) ? (vars.get(name) ?? '') : match;
  });
}

/** Where the kubelet read a pod from: `api`, or `file` for a static pod (kubelet.ts). */
const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';

/**
 * The service link variables of a pod from the API. Static pods get none: they are read
 * from files, often to run the apiserver itself, and must start without it.
 */
async function serviceLinks(pod: Pod, objects: ObjectSource): Promise<Map<string, string>> {
  const fromApi = (pod.metadata?.annotations[CONFIG_SOURCE_ANNOTATION] ?? 'api') === 'api';
  if (pod.spec?.enableServiceLinks === false || !fromApi) return new Map();
  try {
    return serviceLinkEnv(await objects.services(pod.metadata?.namespace ?? ''));
  } catch (err) {
    throw new ContainerConfigError(
      `services could not be read, cannot construct the service link variables: ${(err as Error).message}`,
    );
  }
}

export async function containerEnv(container: Container, ctx: EnvContext): Promise<Map<string, string>> {
  const { pod, objects } = ctx;
  const namespace = pod.metadata?.namespace ?? '';
  const env = await serviceLinks(pod, objects);
  const where = `container "${container.name}"`;
  for (const from of container.envFrom) {
    if (from.configMapRef) {
      const cm = await objects.configMap(namespace, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(
          `configmap "${from.configMapRef.name}" not found (envFrom of ${where})`,
        );
      }
      for (const [k, v] of Object.entries(cm.data)) env.set(from.prefix + k, v);
    }
    if (from.secretRef) {
      const secret = await objects.secret(namespace, from.secretRef.name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found (envFrom of ${where})`);
      }
      for (const [k, v] of Object.entries(secret.data))
        env.set(from.prefix + k, Buffer.from(v).toString('utf8'));
    }
  }
  for (const v of container.env) {
    const source = v.valueFrom;
    if (v.value !== '' || !source) {
      env.set(v.name, expand(v.value, env));
      continue;
    }
    if (source.fieldRef) {
      env.set(v.name, resolveFieldRef(pod, source.fieldRef, ctx.fields));
    } else if (source.resourceFieldRef) {
      env.set(v.name, resolveResourceFieldRef(pod, source.resourceFieldRef, container.name, ctx.allocatable));
    } else if (source.configMapKeyRef) {
      const ref = source.configMapKeyRef;
      const cm = await objects.configMap(namespace, ref.name);
      const value = cm?.data[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          cm
            ? `couldn't find key ${ref.key} in ConfigMap ${namespace}/${ref.name} (env ${v.name} of ${where})`
            : `configmap "${ref.name}" not found (env ${v.name} of ${where})`,
        );
      }
      env.set(v.name, value);
    } else if (source.secretKeyRef) {
      const ref = source.secretKeyRef;
      const secret = await objects.secret(namespace, ref.name);
      const value = secret?.data[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          secret
            ? `couldn't find key ${ref.key} in Secret ${namespace}/${ref.name} (env ${v.name} of ${where})`
            : `secret "${ref.name}" not found (env ${v.name} of ${where})`,
        );
      }
      env.set(v.name, Buffer.from(value).toString('utf8'));
    }
  }
  return env;
}
