/**
 * The built-in priority classes, system-node-critical and system-cluster-critical, created
 * at apiserver start when missing, as Kubernetes' scheduling storage does after it starts.
 * Validation reserves the `system-` prefix for exactly these, so no user can squat on the
 * names or lower their values; an existing class is left as it is.
 */
import { ApiError, Code } from '../../sdk/errors.js';
import type { PriorityClass } from '../../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import type { Logger } from '../../sdk/logger.js';
import { defaultPreemptionPolicy, systemPriorityClasses } from '../kinds/priority-class/system-classes.js';
import { systemContext } from '../registry/context.js';
import type { GenericRegistry } from '../registry/generic-registry.js';

export async function ensureSystemPriorityClasses(
  registry: GenericRegistry<KindObject>,
  logger: Logger,
): Promise<void> {
  for (const { name, value, description } of systemPriorityClasses) {
    const pc: Partial<PriorityClass> = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name } as KindObject['metadata'],
      value,
      globalDefault: false,
      description,
      preemptionPolicy: defaultPreemptionPolicy,
    };
    try {
      await registry.create(
        typesOf(registry.info).message.create(pc as Partial<KindObject>),
        systemContext(),
      );
      logger.info({ priorityClass: name, value }, 'created system priority class');
    } catch (err) {
      if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
    }
  }
}
