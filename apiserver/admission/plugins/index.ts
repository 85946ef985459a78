/**
 * Every admission plugin by the name `--enable-admission-plugins` uses. Plugins run in
 * the order given by the flag, mutating phases first, then validating phases.
 */
import type { AdmissionDeps } from '../deps.js';
import type { AdmissionPlugin } from '../types.js';
import { createMutatingAdmissionWebhook, createValidatingAdmissionWebhook } from '../webhooks/index.js';
import { defaultTolerationSeconds } from './default-toleration-seconds.js';
import { limitRanger } from './limit-ranger.js';
import { namespaceLifecycle } from './namespace-lifecycle.js';
import { nodeRestriction } from './node-restriction.js';
import { podSecurity } from './pod-security.js';
import { priority } from './priority.js';
import { registryQuotaStore } from './quota-store.js';
import { resourceQuota } from './resource-quota.js';
import { serviceAccount } from './service-account.js';
import { registryServiceAccountAccess } from './service-account-access.js';

export type AdmissionPluginFactory = (deps: AdmissionDeps) => AdmissionPlugin;

export const admissionPlugins: Readonly<Record<string, AdmissionPluginFactory>> = {
  NamespaceLifecycle: (deps) => namespaceLifecycle((name) => deps.reader.get('Namespace', '', name)),
  LimitRanger: (deps) => limitRanger((ns) => deps.reader.list('LimitRange', ns)),
  ServiceAccount: (deps) => serviceAccount(registryServiceAccountAccess(deps)),
  NodeRestriction: () => nodeRestriction(),
  PodSecurity: (deps) => podSecurity((name) => deps.reader.get('Namespace', '', name), deps.logger),
  Priority: (deps) =>
    priority({
      get: (name) => deps.reader.get('PriorityClass', '', name),
      list: () => deps.reader.list('PriorityClass', ''),
    }),
  DefaultTolerationSeconds: () => defaultTolerationSeconds(),
  ResourceQuota: (deps) => resourceQuota(registryQuotaStore(deps), { logger: deps.logger }),
  MutatingAdmissionWebhook: createMutatingAdmissionWebhook,
  ValidatingAdmissionWebhook: createValidatingAdmissionWebhook,
};

/** The plugins on by default, in order. */
export const defaultAdmissionPlugins = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  // Webhooks after the in-tree mutating plugins; ResourceQuota last, so that only requests
  // every other plugin accepted are charged.
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
];
