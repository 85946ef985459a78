/**
 * Priority: resolves a new Pod's `priorityClassName` into `spec.priority` and
 * `spec.preemptionPolicy`, so that the scheduler reads a number and never looks the class
 * up. A Pod that names no class gets the global default class, or priority 0 when there is
 * none. It also keeps PriorityClasses consistent where one object cannot: at most one is
 * the global default, and the built-in system classes are not deleted.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PriorityClass } from '../../../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import {
  defaultPreemptionPolicy,
  defaultPriorityWhenNoDefaultClassExists,
  systemPriorityClasses,
} from '../../kinds/priority-class/system-classes.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import { forbidden } from './forbidden.js';

export interface PriorityClassLister {
  get(name: string): Promise<PriorityClass | undefined>;
  list(): Promise<PriorityClass[]>;
}

/**
 * The global default class. Two may briefly both claim it (two creates racing past the
 * check); the lowest value then wins, as in Kubernetes, so that no Pod is raised by a race.
 */
export async function defaultPriorityClass(classes: PriorityClassLister): Promise<PriorityClass | undefined> {
  let found: PriorityClass | undefined;
  for (const pc of await classes.list()) {
    if (pc.globalDefault && (found === undefined || pc.value < found.value)) found = pc;
  }
  return found;
}

async function admitPod(attrs: AdmissionAttributes, classes: PriorityClassLister): Promise<void> {
  const pod = attrs.object as Pod | undefined;
  const spec = pod?.spec;
  if (!spec) return;
  if (attrs.operation === 'UPDATE') {
    // Set on create and immutable since: an update that leaves them out keeps them.
    const old = (attrs.oldObject as Pod | undefined)?.spec;
    if (spec.priority === undefined && old?.priority !== undefined) spec.priority = old.priority;
    if (spec.preemptionPolicy === '' && old?.preemptionPolicy) spec.preemptionPolicy = old.preemptionPolicy;
    return;
  }
  if (attrs.operation !== 'CREATE') return;

  let priority = defaultPriorityWhenNoDefaultClassExists;
  let preemptionPolicy = defaultPreemptionPolicy;
  if (spec.priorityClassName === '') {
    const pc = await defaultPriorityClass(classes);
    if (pc) {
      spec.priorityClassName = pc.metadata?.name ?? '';
      priority = pc.value;
      preemptionPolicy = pc.preemptionPolicy || defaultPreemptionPolicy;
    }
  } else {
    const pc = await classes.get(spec.priorityClassName);
    if (!pc) {
      throw forbidden(
        attrs,
        `no PriorityClass with name ${spec.priorityClassName} was found (spec.priorityClassName); create it or name an existing class`,
        [
          {
            reason: 'FieldValueNotFound',
            message: `no PriorityClass with name ${spec.priorityClassName} was found`,
            field: 'spec.priorityClassName',
          },
        ],
      );
    }
    priority = pc.value;
    preemptionPolicy = pc.preemptionPolicy || defaultPreemptionPolicy;
  }

  // The class decides; a Pod may repeat what it decides but not contradict it.
  if (spec.priority !== undefined && spec.priority !== priority) {
    throw forbidden(
      attrs,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      [
        {
          reason: 'FieldValueForbidden',
          message: 'set by the Priority admission plugin',
          field: 'spec.priority',
        },
      ],
    );
  }
  if (spec.preemptionPolicy !== '' && spec.preemptionPolicy !== preemptionPolicy) {
    throw forbidden(
      attrs,
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`,
      [
        {
          reason: 'FieldValueForbidden',
          message: 'set by the Priority admission plugin',
          field: 'spec.preemptionPolicy',
        },
      ],
    );
  }
  spec.priority = priority;
  spec.preemptionPolicy = preemptionPolicy;
}

async function validatePriorityClass(
  attrs: AdmissionAttributes,
  classes: PriorityClassLister,
): Promise<void> {
  if (attrs.operation === 'DELETE') {
    if (systemPriorityClasses.some((c) => c.name === attrs.name)) {
      throw forbidden(attrs, 'this is a system priority class and cannot be deleted');
    }
    return;
  }
  const pc = attrs.object as PriorityClass | undefined;
  if (!pc?.globalDefault) return;
  const current = await defaultPriorityClass(classes);
  if (!current) return;
  const name = pc.metadata?.name ?? '';
  if (attrs.operation === 'CREATE' || (attrs.operation === 'UPDATE' && current.metadata?.name !== name)) {
    throw forbidden(
      attrs,
      `PriorityClass ${current.metadata?.name} is already marked as default. Only one default can exist`,
      [{ reason: 'FieldValueForbidden', message: 'only one default can exist', field: 'globalDefault' }],
    );
  }
}

export function priority(classes: PriorityClassLister): AdmissionPlugin {
  return {
    name: 'Priority',
    async admit(attrs) {
      if (attrs.info.kind === 'Pod' && attrs.subresource === '') await admitPod(attrs, classes);
    },
    async validate(attrs) {
      if (attrs.info.kind === 'PriorityClass') await validatePriorityClass(attrs, classes);
    },
  };
}
