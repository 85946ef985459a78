/** `whctl create clusterrole NAME --verb=... (--resource=... | --non-resource-url=... | --aggregation-rule=...)`. */
import { UsageError } from '../../usage-error.js';
import { type Generator, listOf } from './generator.js';
import { nonResourceRule, RULE_HELP, resourceRules, ruleFlags, splitList } from './policy-rules.js';

export const clusterRoleGenerator: Generator = {
  kind: 'ClusterRole',
  summary: 'Create a cluster role',
  usage: `Usage:
  whctl create clusterrole NAME --verb=verb --resource=resource.group [--resource-name=resourcename]
      [--non-resource-url=/path] [--aggregation-rule=key=value]

Flags:
${RULE_HELP}      --non-resource-url URL   a URL path the rule allows (repeatable)
      --aggregation-rule K=V   label selectors of the roles whose rules this one aggregates
`,
  flags: {
    ...ruleFlags,
    'non-resource-url': { type: 'string', multiple: true },
    'aggregation-rule': { type: 'string', multiple: true },
  },
  build({ name, values }) {
    const base = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name } };
    const aggregation = splitList(values['aggregation-rule']);
    if (aggregation.length > 0) {
      if (listOf(values.verb).length > 0 || listOf(values.resource).length > 0) {
        throw new UsageError(
          '--aggregation-rule cannot be combined with --verb, --resource or --non-resource-url',
        );
      }
      const matchLabels = Object.fromEntries(
        aggregation.map((pair) => {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new UsageError(`invalid aggregation rule "${pair}": expected key=value`);
          return [pair.slice(0, eq), pair.slice(eq + 1)];
        }),
      );
      return { ...base, aggregationRule: { clusterRoleSelectors: [{ matchLabels }] } };
    }
    const urls = splitList(values['non-resource-url']);
    const rules = [...resourceRules(values, urls.length === 0), ...nonResourceRule(values, urls)];
    return { ...base, rules };
  },
};
