/** `whctl create role NAME --verb=... --resource=...`. */
import type { Generator } from './generator.js';
import { RULE_HELP, resourceRules, ruleFlags } from './policy-rules.js';

export const roleGenerator: Generator = {
  kind: 'Role',
  summary: 'Create a role with single rule',
  usage: `Usage:
  whctl create role NAME --verb=verb --resource=resource.group/subresource [--resource-name=resourcename]

Flags:
${RULE_HELP}`,
  flags: ruleFlags,
  build: ({ name, values }) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name },
    rules: resourceRules(values, true),
  }),
};
