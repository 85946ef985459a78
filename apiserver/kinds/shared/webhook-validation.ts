/**
 * What mutating and validating webhooks share (pkg/apis/admissionregistration
 * validation and v1 defaults): a unique fully qualified name, an https URL to
 * call, rules that match requests, and how a failure or a slow answer is treated.
 */
import type {
  MutatingWebhook,
  MutatingWebhookConfiguration,
} from '../../../sdk/gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import type {
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
} from '../../../sdk/gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js';
import type {
  RuleWithOperations,
  WebhookClientConfig,
} from '../../../sdk/gen/wheelhouse/admissionregistration/v1/webhook.js';
import { isDns1123Subdomain } from '../../../sdk/labels/index.js';
import { duplicate, type ErrorList, forbidden, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateLabelSelector } from '../../validation/labels.js';
import { validateQualifiedName } from '../../validation/names.js';
import { validateEnum } from './rules.js';

export type Webhook = MutatingWebhook | ValidatingWebhook;
export type WebhookConfiguration = MutatingWebhookConfiguration | ValidatingWebhookConfiguration;

const webhooksPath = FieldPath.of('webhooks');
const operations = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'];
const reviewVersions = ['v1', 'v1beta1'];

export function defaultWebhook(hook: Webhook): void {
  hook.failurePolicy ??= 'Fail';
  hook.matchPolicy ??= 'Equivalent';
  hook.timeoutSeconds ??= 10;
  hook.namespaceSelector ??= { matchLabels: {}, matchExpressions: [] };
  hook.objectSelector ??= { matchLabels: {}, matchExpressions: [] };
  if (hook.admissionReviewVersions.length === 0) hook.admissionReviewVersions = ['v1'];
  for (const rule of hook.rules) rule.scope ??= '*';
}

/** A DNS subdomain of at least three labels (`policy.example.com`), so that names from different owners differ. */
function validateWebhookName(name: string, path: FieldPath): ErrorList {
  if (name === '') return [required(path, '')];
  const errs = isDns1123Subdomain(name).map((m) => invalid(path, name, m));
  if (errs.length === 0 && name.split('.').length < 3) {
    errs.push(invalid(path, name, 'should be a domain with at least three segments separated by dots'));
  }
  return errs;
}

/** The apiserver dials the URL itself: it must be https, with a host and nothing it would ignore. */
function validateClientConfig(config: WebhookClientConfig | undefined, path: FieldPath): ErrorList {
  if (!config) return [required(path, '')];
  const urlPath = path.child('url');
  if (config.url === undefined || config.url === '') {
    return [
      config.service
        ? forbidden(
            path.child('service'),
            'webhooks are called by URL here: there is no Service kind to resolve; set url',
          )
        : required(urlPath, ''),
    ];
  }
  const errs: ErrorList = [];
  if (config.service) errs.push(required(path, 'exactly one of url or service is required'));
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    return [...errs, invalid(urlPath, config.url, 'must be a valid URL')];
  }
  if (url.protocol !== 'https:')
    errs.push(invalid(urlPath, config.url, "'https' is the only allowed URL scheme"));
  if (url.hostname === '') errs.push(invalid(urlPath, config.url, 'host must be specified'));
  if (url.username !== '' || url.password !== '')
    errs.push(invalid(urlPath, config.url, 'user information is not permitted in the URL'));
  if (url.hash !== '') errs.push(invalid(urlPath, config.url, 'fragments are not permitted in the URL'));
  if (url.search !== '')
    errs.push(invalid(urlPath, config.url, 'query parameters are not permitted in the URL'));
  return errs;
}

function validateRule(rule: RuleWithOperations, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (rule.operations.length === 0) errs.push(required(path.child('operations'), ''));
  if (rule.operations.length > 1 && rule.operations.includes('*')) {
    errs.push(
      invalid(
        path.child('operations'),
        rule.operations,
        "if '*' is present, must not specify other operations",
      ),
    );
  }
  rule.operations.forEach((op, i) => {
    errs.push(...validateEnum(op, operations, path.child('operations').index(i)));
  });
  if (rule.apiGroups.length === 0) errs.push(required(path.child('apiGroups'), ''));
  if (rule.apiVersions.length === 0) errs.push(required(path.child('apiVersions'), ''));
  if (rule.resources.length === 0) errs.push(required(path.child('resources'), ''));
  rule.resources.forEach((r, i) => {
    if (r === '') errs.push(required(path.child('resources').index(i), 'resource must be non-empty'));
  });
  if (rule.scope !== undefined)
    errs.push(...validateEnum(rule.scope, ['Cluster', 'Namespaced', '*'], path.child('scope')));
  return errs;
}

function validateWebhook(hook: Webhook, path: FieldPath): ErrorList {
  const errs = validateWebhookName(hook.name, path.child('name'));
  errs.push(...validateClientConfig(hook.clientConfig, path.child('clientConfig')));
  hook.rules.forEach((rule, i) => {
    errs.push(...validateRule(rule, path.child('rules').index(i)));
  });
  errs.push(...validateEnum(hook.failurePolicy ?? '', ['Fail', 'Ignore'], path.child('failurePolicy')));
  errs.push(...validateEnum(hook.matchPolicy ?? '', ['Exact', 'Equivalent'], path.child('matchPolicy')));
  errs.push(...validateEnum(hook.sideEffects ?? '', ['None', 'NoneOnDryRun'], path.child('sideEffects')));
  const timeout = hook.timeoutSeconds;
  if (timeout !== undefined && (timeout < 1 || timeout > 30)) {
    errs.push(
      invalid(path.child('timeoutSeconds'), timeout, 'the timeout value must be between 1 and 30 seconds'),
    );
  }
  const versionsPath = path.child('admissionReviewVersions');
  if (!hook.admissionReviewVersions.some((v) => reviewVersions.includes(v))) {
    errs.push(
      invalid(
        versionsPath,
        hook.admissionReviewVersions,
        `must include at least one of ${reviewVersions.join(', ')}`,
      ),
    );
  }
  const seenVersions = new Set<string>();
  hook.admissionReviewVersions.forEach((v, i) => {
    if (seenVersions.has(v)) errs.push(duplicate(versionsPath.index(i), v));
    seenVersions.add(v);
  });
  errs.push(...validateLabelSelector(hook.namespaceSelector, path.child('namespaceSelector')));
  errs.push(...validateLabelSelector(hook.objectSelector, path.child('objectSelector')));
  if ('reinvocationPolicy' in hook && hook.reinvocationPolicy !== undefined) {
    errs.push(
      ...validateEnum(hook.reinvocationPolicy, ['Never', 'IfNeeded'], path.child('reinvocationPolicy')),
    );
  }
  const conditionNames = new Set<string>();
  hook.matchConditions.forEach((c, i) => {
    const cPath = path.child('matchConditions').index(i);
    if (c.name === '') errs.push(required(cPath.child('name'), ''));
    else errs.push(...validateQualifiedName(c.name, cPath.child('name')));
    if (conditionNames.has(c.name)) errs.push(duplicate(cPath.child('name'), c.name));
    conditionNames.add(c.name);
    if (c.expression === '') errs.push(required(cPath.child('expression'), ''));
  });
  return errs;
}

export function validateWebhookConfiguration(config: WebhookConfiguration): ErrorList {
  const errs: ErrorList = [];
  const names = new Set<string>();
  (config.webhooks as Webhook[]).forEach((hook, i) => {
    const path = webhooksPath.index(i);
    if (names.has(hook.name)) errs.push(duplicate(path.child('name'), hook.name));
    names.add(hook.name);
    errs.push(...validateWebhook(hook, path));
  });
  return errs;
}
