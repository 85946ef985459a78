/**
 * ServiceAccount: every Pod runs as a service account — `default` unless it names one —
 * and the account must exist in the Pod's namespace.
 *
 * Kubernetes has a controller create each namespace's `default` account. Here the plugin
 * creates it on demand, the first time a Pod needs it: the create is idempotent
 * (ALREADY_EXISTS is success), so concurrent Pods race harmlessly, it works for every
 * namespace however it was made, and it needs no watch of its own. Mirror pods (a
 * kubelet's static pods) are left alone: they may not use service accounts at all.
 */
import { ApiError, Code } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import { forbidden } from './forbidden.js';
import { isMirrorPod } from './mirror-pod.js';

export const defaultServiceAccountName = 'default';

export interface ServiceAccountAccess {
  /** The account, or undefined when it does not exist. */
  get(namespace: string, name: string): Promise<ServiceAccount | undefined>;
  /** Creates the namespace's `default` account; resolves when it exists (ALREADY_EXISTS included). */
  createDefault(namespace: string): Promise<void>;
}

function podOf(attrs: AdmissionAttributes): Pod | undefined {
  if (attrs.info.kind !== 'Pod' || attrs.operation !== 'CREATE' || attrs.subresource !== '') return undefined;
  const pod = attrs.object as Pod | undefined;
  return pod?.spec && !isMirrorPod(pod) ? pod : undefined;
}

export function serviceAccount(access: ServiceAccountAccess): AdmissionPlugin {
  return {
    name: 'ServiceAccount',
    async admit(attrs) {
      const spec = podOf(attrs)?.spec;
      if (!spec) return;
      if (spec.serviceAccountName === '')
        spec.serviceAccountName = spec.serviceAccount || defaultServiceAccountName;
      spec.serviceAccount = spec.serviceAccountName;
      if (spec.serviceAccountName !== defaultServiceAccountName || attrs.ctx.dryRun) return;
      if ((await access.get(attrs.namespace, defaultServiceAccountName)) === undefined) {
        await access.createDefault(attrs.namespace);
      }
    },
    async validate(attrs) {
      const spec = podOf(attrs)?.spec;
      if (!spec) return;
      const name = spec.serviceAccountName;
      if (name === defaultServiceAccountName && attrs.ctx.dryRun) return;
      if ((await access.get(attrs.namespace, name)) === undefined) {
        throw forbidden(
          attrs,
          `error looking up service account ${attrs.namespace}/${name}: serviceaccount "${name}" not found; create it first, or leave spec.serviceAccountName empty for "${defaultServiceAccountName}"`,
        );
      }
    },
  };
}

/** Ignores ALREADY_EXISTS: someone else created the account first. */
export async function ignoreExists(create: Promise<unknown>): Promise<void> {
  try {
    await create;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
  }
}
