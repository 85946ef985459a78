/** `whctl create priorityclass NAME --value=N`. */
import { UsageError } from '../../usage-error.js';
import { type Generator, intOf, stringOf } from './generator.js';

const POLICIES = ['PreemptLowerPriority', 'Never'];

export const priorityClassGenerator: Generator = {
  kind: 'PriorityClass',
  summary: 'Create a priority class with the specified name',
  usage: `Usage:
  whctl create priorityclass NAME --value=VALUE [--global-default] [--description=TEXT] [--preemption-policy=POLICY]

Flags:
      --value N                   the priority (default 0)
      --global-default            the priority of pods that name no class
      --description TEXT          when to use this class
      --preemption-policy POLICY  PreemptLowerPriority (default) or Never
`,
  flags: {
    value: { type: 'string' },
    'global-default': { type: 'boolean' },
    description: { type: 'string' },
    'preemption-policy': { type: 'string' },
  },
  build({ name, values }) {
    const policy = stringOf(values['preemption-policy']) ?? 'PreemptLowerPriority';
    if (!POLICIES.includes(policy)) {
      throw new UsageError(`--preemption-policy must be one of ${POLICIES.join(', ')}, not "${policy}"`);
    }
    return {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value: intOf(values.value, 'value') ?? 0,
      globalDefault: values['global-default'] === true,
      description: stringOf(values.description) ?? '',
      preemptionPolicy: policy,
    };
  },
};
