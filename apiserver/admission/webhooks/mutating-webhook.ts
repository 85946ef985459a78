/**
 * MutatingAdmissionWebhook: in the mutating phase, calls every selected webhook of
 * every MutatingWebhookConfiguration, one after the other (configurations by name,
 * webhooks in their order), each seeing the object as the ones before it left it.
 *
 * reinvocationPolicy IfNeeded is kept simple: after the pass, a webhook that asked
 * for it is called once more when a later webhook changed the object since its call.
 * Changes made by the other mutating plugins do not trigger a reinvocation.
 */
import type { MutatingWebhookConfiguration } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import { type KindObject, typesOf } from '../../../sdk/kind-registry.js';
import type { AdmissionDeps } from '../deps.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import type { WebhookClientPool } from './client-pool.js';
import { byName, consult, isExempt, namespaceLabelsOf, selects, type Webhook } from './dispatch.js';
import { applyMutation } from './mutation.js';

export function mutatingAdmissionWebhook(deps: AdmissionDeps, pool: WebhookClientPool): AdmissionPlugin {
  const encode = (attrs: AdmissionAttributes, obj: KindObject) =>
    Buffer.from(typesOf(attrs.info).message.encode(obj).finish());

  const mutate = async (hook: Webhook, attrs: AdmissionAttributes, obj: KindObject) => {
    const verdict = await consult(pool, hook, attrs, true, deps);
    if (verdict) applyMutation(attrs.info, hook.name, obj, verdict);
  };

  return {
    name: 'MutatingAdmissionWebhook',
    async admit(attrs) {
      const obj = attrs.object;
      if (obj === undefined || isExempt(attrs)) return;
      const configs = await deps.reader.list<MutatingWebhookConfiguration>(
        'MutatingWebhookConfiguration',
        '',
      );
      if (configs.length === 0) return;
      const namespaceLabels = namespaceLabelsOf(deps);
      const reinvocable: { hook: Webhook; seen: Buffer }[] = [];
      for (const config of byName(configs)) {
        for (const hook of config.webhooks) {
          if (!(await selects(hook, attrs, namespaceLabels))) continue;
          await mutate(hook, attrs, obj);
          if (hook.reinvocationPolicy === 'IfNeeded') reinvocable.push({ hook, seen: encode(attrs, obj) });
        }
      }
      for (const { hook, seen } of reinvocable) {
        if (!encode(attrs, obj).equals(seen)) await mutate(hook, attrs, obj);
      }
    },
  };
}
