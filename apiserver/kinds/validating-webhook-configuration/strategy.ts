/** The ValidatingWebhookConfiguration strategy. */
import type { ValidatingWebhookConfiguration } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js';
import type { Strategy } from '../../registry/strategy.js';
import { infoOf } from '../kind-info.js';
import { defaultWebhook, validateWebhookConfiguration } from '../shared/webhook-validation.js';

export function validatingWebhookConfigurationStrategy(): Strategy<ValidatingWebhookConfiguration> {
  return {
    info: infoOf('ValidatingWebhookConfiguration'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults(config) {
      for (const hook of config.webhooks) defaultWebhook(hook);
    },
    prepareForCreate() {},
    validate: validateWebhookConfiguration,
    prepareForUpdate() {},
    validateUpdate: validateWebhookConfiguration,
  };
}
