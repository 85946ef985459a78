/**
 * What mutating and validating webhooks share: whether a webhook is sent a request,
 * and how its answer (or its silence) becomes the request's fate under its
 * failurePolicy.
 */
import { ApiError } from '../../../sdk/errors.js';
import type { RuleWithOperations } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/webhook.js';
import type { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Labels } from '../../../sdk/labels/index.js';
import type { AdmissionDeps } from '../deps.js';
import type { AdmissionAttributes } from '../types.js';
import type { WebhookClientPool } from './client-pool.js';
import {
  anyRuleMatches,
  type NamespaceLabels,
  namespaceSelectorMatches,
  objectSelectorMatches,
} from './matching.js';
import { callWebhook, type Verdict, WebhookCallError, type WebhookCallee } from './review.js';

/** The fields of MutatingWebhook and ValidatingWebhook that dispatching reads. */
export interface Webhook extends WebhookCallee {
  readonly rules: readonly RuleWithOperations[];
  readonly failurePolicy?: string | undefined;
  readonly namespaceSelector?: LabelSelector | undefined;
  readonly objectSelector?: LabelSelector | undefined;
  readonly sideEffects?: string | undefined;
}

/**
 * Webhook configurations are never sent to webhooks: otherwise a broken webhook with
 * failurePolicy Fail could never be removed (Kubernetes exempts them too).
 */
const exemptKinds = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

export function isExempt(attrs: AdmissionAttributes): boolean {
  return exemptKinds.has(attrs.info.kind);
}

/** Namespace labels read at most once per request. */
export function namespaceLabelsOf(deps: AdmissionDeps): NamespaceLabels {
  const seen = new Map<string, Promise<Labels | undefined>>();
  return (name) => {
    let labels = seen.get(name);
    if (!labels) {
      labels = deps.reader.get<Namespace>('Namespace', '', name).then((ns) => ns?.metadata?.labels);
      seen.set(name, labels);
    }
    return labels;
  };
}

/** Whether the webhook is sent this request: rules first, then the selectors. */
export async function selects(
  hook: Webhook,
  attrs: AdmissionAttributes,
  namespaceLabels: NamespaceLabels,
): Promise<boolean> {
  return (
    anyRuleMatches(hook.rules, attrs) &&
    objectSelectorMatches(hook.objectSelector, attrs) &&
    (await namespaceSelectorMatches(hook.namespaceSelector, attrs, namespaceLabels))
  );
}

const dryRunSafe = new Set(['None', 'NoneOnDryRun']);

/**
 * Calls a webhook that selected the request. Resolves with its verdict when it allowed
 * the request, or with undefined when it failed and its failurePolicy is Ignore; throws
 * the refusal otherwise.
 */
export async function consult(
  pool: WebhookClientPool,
  hook: Webhook,
  attrs: AdmissionAttributes,
  mutating: boolean,
  deps: AdmissionDeps,
): Promise<Extract<Verdict, { allowed: true }> | undefined> {
  if (attrs.ctx.dryRun && !dryRunSafe.has(hook.sideEffects ?? '')) {
    // A webhook with side effects would cause them for a request that changes nothing.
    throw ApiError.invalid(
      `admission webhook "${hook.name}" does not support dry run (sideEffects is ${hook.sideEffects ?? 'unset'}); ` +
        'send the request without dryRun, or mark the webhook sideEffects: None or NoneOnDryRun',
    );
  }
  let verdict: Verdict;
  try {
    verdict = await callWebhook(pool, hook, attrs, mutating);
  } catch (err) {
    if (!(err instanceof WebhookCallError)) throw err;
    if (hook.failurePolicy === 'Ignore') {
      deps.logger.warn(
        { webhook: hook.name, resource: attrs.info.resource, namespace: attrs.namespace, name: attrs.name },
        `failed calling webhook, failing open: ${err.message}`,
      );
      return undefined;
    }
    throw new ApiError(err.code, `failed calling webhook "${hook.name}": ${err.message}`);
  }
  if (!verdict.allowed) {
    throw new ApiError(
      verdict.code,
      verdict.message === ''
        ? `admission webhook "${hook.name}" denied the request without explanation`
        : `admission webhook "${hook.name}" denied the request: ${verdict.message}`,
      {
        name: attrs.name,
        group: attrs.info.apiGroup,
        kind: attrs.info.kind,
      },
    );
  }
  if (verdict.warnings.length > 0) {
    // There is no channel for warnings to the caller yet: the log keeps them.
    deps.logger.info({ webhook: hook.name, warnings: verdict.warnings }, 'admission webhook warnings');
  }
  return verdict;
}

/** Configurations in the order Kubernetes calls them: by name. */
export function byName<T extends { metadata?: { name: string } | undefined }>(configs: readonly T[]): T[] {
  return [...configs].sort((a, b) => {
    const x = a.metadata?.name ?? '';
    const y = b.metadata?.name ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
