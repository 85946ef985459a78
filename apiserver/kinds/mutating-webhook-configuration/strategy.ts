/** The MutatingWebhookConfiguration strategy. */
import type { MutatingWebhookConfiguration } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import type { Strategy } from '../../registry/strategy.js';
import { infoOf } from '../kind-info.js';
import { defaultWebhook, validateWebhookConfiguration } from '../shared/webhook-validation.js';

export function mutatingWebhookConfigurationStrategy(): Strategy<MutatingWebhookConfiguration> {
  return {
    info: infoOf('MutatingWebhookConfiguration'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults(config) {
      for (const hook of config.webhooks) {
        hook.reinvocationPolicy ??= 'Never';
        defaultWebhook(hook);
      }
    },
    prepareForCreate() {},
    validate: validateWebhookConfiguration,
    prepareForUpdate() {},
    validateUpdate: validateWebhookConfiguration,
  };
}
