/**
 * ValidatingAdmissionWebhook: in the validating phase, calls every selected webhook
 * of every ValidatingWebhookConfiguration at once (they cannot change anything, so
 * their order does not matter) and refuses the request if any refuses it. When
 * several refuse, the first in configuration order is reported, so the answer does
 * not depend on which webhook happened to be faster.
 */
import type { ValidatingWebhookConfiguration } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js';
import type { AdmissionDeps } from '../deps.js';
import type { AdmissionPlugin } from '../types.js';
import type { WebhookClientPool } from './client-pool.js';
import { byName, consult, isExempt, namespaceLabelsOf, selects, type Webhook } from './dispatch.js';

export function validatingAdmissionWebhook(deps: AdmissionDeps, pool: WebhookClientPool): AdmissionPlugin {
  return {
    name: 'ValidatingAdmissionWebhook',
    async validate(attrs) {
      if (isExempt(attrs)) return;
      const configs = await deps.reader.list<ValidatingWebhookConfiguration>(
        'ValidatingWebhookConfiguration',
        '',
      );
      if (configs.length === 0) return;
      const namespaceLabels = namespaceLabelsOf(deps);
      const selected: Webhook[] = [];
      for (const config of byName(configs)) {
        for (const hook of config.webhooks) {
          if (await selects(hook, attrs, namespaceLabels)) selected.push(hook);
        }
      }
      const outcomes = await Promise.allSettled(
        selected.map((hook) => consult(pool, hook, attrs, false, deps)),
      );
      const refused = outcomes.find((o) => o.status === 'rejected');
      if (refused) throw refused.reason;
    },
  };
}
