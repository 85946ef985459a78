/**
 * Every admission plugin by the name `--enable-admission-plugins` uses. Plugins run in
 * the order given by the flag, mutating phases first, then validating phases.
 */
import type { AdmissionDeps } from '../deps.js';
import type { AdmissionPlugin } from '../types.js';
import { createMutatingAdmissionWebhook, createValidatingAdmissionWebhook } from '../webhooks/index.js';
import { namespaceLifecycle } from './namespace-lifecycle.js';

export type AdmissionPluginFactory = (deps: AdmissionDeps) => AdmissionPlugin;

export const admissionPlugins: Readonly<Record<string, AdmissionPluginFactory>> = {
  NamespaceLifecycle: (deps) => namespaceLifecycle((name) => deps.reader.get('Namespace', '', name)),
  MutatingAdmissionWebhook: createMutatingAdmissionWebhook,
  ValidatingAdmissionWebhook: createValidatingAdmissionWebhook,
};

/** The plugins on by default, in order. */
export const defaultAdmissionPlugins = [
  'NamespaceLifecycle',
  // Webhooks after the in-tree mutating plugins; ResourceQuota, when enabled, comes last.
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
];
