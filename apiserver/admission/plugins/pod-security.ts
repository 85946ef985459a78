/**
 * PodSecurity: a namespace's `pod-security.kubernetes.io/enforce` label (privileged,
 * baseline or restricted) decides which Pods may be created in it; a refusal lists every
 * violated check at once. An unlabelled namespace is privileged; a label with an unknown
 * level is taken as restricted, so that a typo cannot open a namespace up.
 *
 * Pod templates of Deployments and ReplicaSets are evaluated too, but as Kubernetes does,
 * only to warn (logged): refusing there would leave a workload half-applied, while its
 * Pods are refused anyway when they are created.
 */
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Logger } from '../../../sdk/logger.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import { forbidden } from './forbidden.js';
import { type Level, podSecurityViolations } from './pod-security-checks.js';

export const enforceLabel = 'pod-security.kubernetes.io/enforce';
export const enforceVersionLabel = 'pod-security.kubernetes.io/enforce-version';

export type NamespaceLookup = (name: string) => Promise<Namespace | undefined>;

export interface Policy {
  level: Level;
  version: string;
}

/** The enforced policy of a namespace from its labels. */
export function policyOf(ns: Namespace | undefined): Policy {
  const labels = ns?.metadata?.labels ?? {};
  const raw = labels[enforceLabel];
  const level: Level =
    raw === undefined || raw === 'privileged' ? 'privileged' : raw === 'baseline' ? 'baseline' : 'restricted';
  const v = labels[enforceVersionLabel] ?? 'latest';
  const version = v === 'latest' || /^v1\.\d+$/.test(v) ? v : 'latest';
  return { level, version };
}

function templateSpec(attrs: AdmissionAttributes) {
  if (attrs.info.kind === 'Deployment') return (attrs.object as Deployment | undefined)?.spec?.template?.spec;
  if (attrs.info.kind === 'ReplicaSet') return (attrs.object as ReplicaSet | undefined)?.spec?.template?.spec;
  return undefined;
}

export function podSecurity(lookup: NamespaceLookup, logger?: Logger): AdmissionPlugin {
  return {
    name: 'PodSecurity',
    async validate(attrs) {
      if (attrs.subresource !== '' || attrs.operation === 'DELETE' || attrs.operation === 'CONNECT') return;
      if (attrs.info.kind === 'Pod') {
        // Pod updates can change only images, tolerations and deadlines: nothing a level judges.
        if (attrs.operation !== 'CREATE') return;
        const spec = (attrs.object as Pod | undefined)?.spec;
        if (!spec) return;
        const policy = policyOf(await lookup(attrs.namespace));
        const violations = podSecurityViolations(policy.level, spec);
        if (violations.length === 0) return;
        throw forbidden(
          attrs,
          `violates PodSecurity "${policy.level}:${policy.version}": ${violations.join(', ')}`,
        );
      }
      const spec = templateSpec(attrs);
      if (!spec) return;
      const policy = policyOf(await lookup(attrs.namespace));
      const violations = podSecurityViolations(policy.level, spec);
      if (violations.length === 0) return;
      logger?.warn(
        { namespace: attrs.namespace, name: attrs.name, kind: attrs.info.kind, user: attrs.ctx.user },
        `would violate PodSecurity "${policy.level}:${policy.version}": ${violations.join(', ')}`,
      );
    },
  };
}
