import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MutatingWebhookConfiguration } from '../../sdk/gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import type { ValidatingWebhookConfiguration } from '../../sdk/gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js';
import { mutatingWebhookConfigurationStrategy } from './mutating-webhook-configuration/strategy.js';
import { ctx, fromYaml, messages } from './testing.js';
import { validatingWebhookConfigurationStrategy } from './validating-webhook-configuration/strategy.js';

const manifest = (kind: string) => `
apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}
metadata: {name: policy}
webhooks:
- name: pods.policy.example.com
  clientConfig: {url: "https://127.0.0.1:9443"}
  rules:
  - {operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}
  sideEffects: None
`;

describe('webhook configurations', () => {
  it('default failurePolicy, matchPolicy, timeout, review versions and reinvocation', () => {
    const s = mutatingWebhookConfigurationStrategy();
    const c = fromYaml<MutatingWebhookConfiguration>(manifest('MutatingWebhookConfiguration'));
    s.applyDefaults(c);
    const hook = c.webhooks[0]!;
    assert.equal(hook.failurePolicy, 'Fail');
    assert.equal(hook.matchPolicy, 'Equivalent');
    assert.equal(hook.timeoutSeconds, 10);
    assert.deepEqual(hook.admissionReviewVersions, ['v1']);
    assert.equal(hook.reinvocationPolicy, 'Never');
    assert.equal(hook.rules[0]?.scope, '*');
    assert.deepEqual(messages(s.validate(c, ctx)), []);
  });

  it('refuses what Kubernetes refuses, all at once', () => {
    const s = validatingWebhookConfigurationStrategy();
    const c = fromYaml<ValidatingWebhookConfiguration>(manifest('ValidatingWebhookConfiguration'));
    s.applyDefaults(c);
    const first = c.webhooks[0]!;
    c.webhooks.push({
      ...first,
      rules: [],
      clientConfig: { url: 'http://hooks.example.com/x?y=1', caBundle: Buffer.alloc(0) },
    });
    first.rules[0]!.operations = ['CREATE', 'PATCH'];
    first.sideEffects = 'Some';
    first.timeoutSeconds = 31;
    first.failurePolicy = 'Retry';
    assert.deepEqual(messages(s.validate(c, ctx)), [
      'webhooks[0].rules[0].operations[1]: Unsupported value: "PATCH": supported values: "CREATE", "UPDATE", "DELETE", "CONNECT", "*"',
      'webhooks[0].failurePolicy: Unsupported value: "Retry": supported values: "Fail", "Ignore"',
      'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
      'webhooks[1].name: Duplicate value: "pods.policy.example.com"',
      `webhooks[1].clientConfig.url: Invalid value: "http://hooks.example.com/x?y=1": 'https' is the only allowed URL scheme`,
      'webhooks[1].clientConfig.url: Invalid value: "http://hooks.example.com/x?y=1": query parameters are not permitted in the URL',
    ]);
  });

  it('needs a fully qualified name and a URL', () => {
    const s = validatingWebhookConfigurationStrategy();
    const c = fromYaml<ValidatingWebhookConfiguration>(manifest('ValidatingWebhookConfiguration'));
    s.applyDefaults(c);
    c.webhooks[0]!.name = 'policy';
    c.webhooks[0]!.clientConfig = { caBundle: Buffer.alloc(0) };
    c.webhooks[0]!.sideEffects = undefined;
    assert.deepEqual(messages(s.validate(c, ctx)), [
      'webhooks[0].name: Invalid value: "policy": should be a domain with at least three segments separated by dots',
      'webhooks[0].clientConfig.url: Required value',
      'webhooks[0].sideEffects: Required value',
    ]);
  });
});
