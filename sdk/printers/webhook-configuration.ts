/** Mutating and validating webhook configurations: NAME WEBHOOKS AGE. */
import type { MutatingWebhookConfiguration } from '../gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import type { ValidatingWebhookConfiguration } from '../gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

export const webhookConfigurationPrinter = definePrinter<
  MutatingWebhookConfiguration | ValidatingWebhookConfiguration
>([
  nameColumn,
  column(
    'Webhooks',
    'integer',
    'The number of webhooks the configuration registers.',
    (c) => c.webhooks.length,
  ),
  ageColumn,
]);
