/**
 * Admission webhooks over gRPC: MutatingAdmissionWebhook and ValidatingAdmissionWebhook,
 * which call the external AdmissionService servers registered in Mutating- and
 * ValidatingWebhookConfigurations. Both plugins of one apiserver share one client pool.
 */
import type { AdmissionDeps } from '../deps.js';
import type { AdmissionPlugin } from '../types.js';
import { WebhookClientPool } from './client-pool.js';
import { mutatingAdmissionWebhook } from './mutating-webhook.js';
import { validatingAdmissionWebhook } from './validating-webhook.js';

export { applyJsonPatch, JsonPatchError, type JsonPatchOperation, parseJsonPatch } from './json-patch.js';

const pools = new WeakMap<AdmissionDeps, WebhookClientPool>();

function poolOf(deps: AdmissionDeps): WebhookClientPool {
  let pool = pools.get(deps);
  if (!pool) {
    pool = new WebhookClientPool();
    pools.set(deps, pool);
  }
  return pool;
}

export function createMutatingAdmissionWebhook(deps: AdmissionDeps): AdmissionPlugin {
  return mutatingAdmissionWebhook(deps, poolOf(deps));
}

export function createValidatingAdmissionWebhook(deps: AdmissionDeps): AdmissionPlugin {
  return validatingAdmissionWebhook(deps, poolOf(deps));
}
