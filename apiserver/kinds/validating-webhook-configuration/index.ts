/** The ValidatingWebhookConfiguration: its strategy. */
import type { ValidatingWebhookConfiguration } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js';
import type { KindDefinition } from '../kind-definition.js';
import { validatingWebhookConfigurationStrategy } from './strategy.js';

export const validatingWebhookConfigurationKind: KindDefinition<ValidatingWebhookConfiguration> = {
  kind: 'ValidatingWebhookConfiguration',
  strategy: () => validatingWebhookConfigurationStrategy(),
};
