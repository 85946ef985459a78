/**
 * The Pod's port for a Service port (Kubernetes' podutil.FindPort), shared by the
 * Endpoints and EndpointSlice controllers.
 */
import type { Container } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ServicePort } from '../../sdk/gen/wheelhouse/core/v1/service.js';

/** Containers whose ports a Service may name: the app containers, then the sidecars (init containers that keep running). */
function servingContainers(pod: Pod): Container[] {
  const spec = pod.spec;
  if (!spec) return [];
  return [...spec.containers, ...spec.initContainers.filter((c) => c.restartPolicy === 'Always')];
}

/**
 * A number as it is; a name through the ports its containers declare with that name and
 * the Service port's protocol. Undefined when the name matches none: the Pod does not
 * serve that port.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort?.value;
  if (target === undefined) return servicePort.port;
  if (target.$case === 'intVal') return target.value;
  for (const container of servingContainers(pod)) {
    for (const port of container.ports) {
      // A container port's protocol defaults to TCP, as the Service port's does.
      if (port.name === target.value && (port.protocol || 'TCP') === servicePort.protocol) {
        return port.containerPort;
      }
    }
  }
  return undefined;
}
