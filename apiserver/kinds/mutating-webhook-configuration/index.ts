/** The MutatingWebhookConfiguration: its strategy. */
import type { MutatingWebhookConfiguration } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import type { KindDefinition } from '../kind-definition.js';
import { mutatingWebhookConfigurationStrategy } from './strategy.js';

export const mutatingWebhookConfigurationKind: KindDefinition<MutatingWebhookConfiguration> = {
  kind: 'MutatingWebhookConfiguration',
  strategy: () => mutatingWebhookConfigurationStrategy(),
};
