/** Building PolicyRules for the bootstrap policy: verbs, API groups and resources. */
import type { PolicyRule } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';

export const read = ['get', 'list', 'watch'];
export const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
export const rbacGroup = 'rbac.authorization.k8s.io';
export const authorizationGroup = 'authorization.k8s.io';
export const authenticationGroup = 'authentication.k8s.io';
export const autoscalingGroup = 'autoscaling';
export const coordinationGroup = 'coordination.k8s.io';
export const discoveryGroup = 'discovery.k8s.io';
export const schedulingGroup = 'scheduling.k8s.io';

export function rule(
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  resourceNames: string[] = [],
): PolicyRule {
  return { verbs, apiGroups, resources, resourceNames, nonResourceUrls: [] };
}

export function urlRule(verbs: string[], urls: string[]): PolicyRule {
  return { verbs, apiGroups: [], resources: [], resourceNames: [], nonResourceUrls: urls };
}

/** Recording Events, which every component does. */
export const events = rule(['create', 'update', 'patch'], [''], ['events']);
