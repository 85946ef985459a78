/**
 * PodService.ExecPod: the `pods/exec` subresource. As in Kubernetes, running a command
 * in a Pod is `create` on `pods/exec` (the bootstrap `edit` and `admin` roles grant it,
 * `view` does not), recorded by the audit log like any call. The Pod must be running on
 * a node; the command runs through that node's kubelet (services/pod-exec.ts).
 *
 * The first message names the Pod and the command; nothing is read after it until the
 * caller is authorized and the kubelet reached, so a caller cannot queue stdin early.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { ApiError } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  ExecPodRequest,
  ExecPodResponse,
  ExecPodStart,
} from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { asyncDuplex, firstStartMessage } from '../../../sdk/server/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { Subresources } from '../kind-definition.js';

export type ExecPodCall = ServerDuplexStream<ExecPodRequest, ExecPodResponse>;

/**
 * The caller's end of an exec: an object-mode stream that reads ExecPodRequest messages
 * after the start and takes ExecPodResponse messages. The gRPC call is one; the REST
 * API's WebSocket channels are another.
 */
export interface ExecStream {
  on(event: 'data', listener: (request: ExecPodRequest) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  off(event: 'data', listener: (request: ExecPodRequest) => void): unknown;
  off(event: 'end', listener: () => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
  write(response: ExecPodResponse): boolean;
  pause(): unknown;
  resume(): unknown;
}

/**
 * Runs the command of `start` in `container` of the Pod through the kubelet of its node,
 * relaying the rest of the call both ways; resolves when the call is complete.
 */
export type PodExecTarget = (
  pod: Pod,
  container: string,
  start: ExecPodStart,
  call: ExecStream,
  signal: AbortSignal,
) => Promise<void>;

/** The annotation that names the container kubectl picks when none is named. */
export const defaultContainerAnnotation = 'kubectl.kubernetes.io/default-container';

export const podExecMethods: Subresources<Pod> = ({ registry, gate, options }) => ({
  execPod: asyncDuplex(async (call: ExecPodCall, signal) => {
    const start = await firstStartMessage<ExecPodStart, ExecPodRequest>(
      call,
      signal,
      'ExecPod',
      'the pod and the command',
    );
    const namespace = start.namespace || 'default';
    await gate.admit(call.metadata, {
      verb: 'create',
      info: registry.info,
      subresource: 'exec',
      namespace,
      name: start.name,
    });
    const { pod, container } = await execTarget(registry, { ...start, namespace });
    if (!options.podExec) {
      throw ApiError.unavailable(
        `no kubelet connection for node "${pod.spec?.nodeName ?? ''}": this apiserver was started without --kubelet-client-certificate`,
      );
    }
    await options.podExec(pod, container, start, call, signal);
  }),
});

/**
 * Checks an authorized exec request (a command, at least one stream, a running Pod on a
 * node) and returns the Pod and the container the command is to run in.
 */
export async function execTarget(
  pods: Pick<GenericRegistry<Pod>, 'get'>,
  start: ExecPodStart,
): Promise<{ pod: Pod; container: string }> {
  const namespace = start.namespace || 'default';
  if (start.command.length === 0) {
    throw ApiError.invalid('exec needs a command: give the command to run and its arguments', [
      { field: 'command', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
  }
  if (!start.stdin && !start.stdout && !start.stderr) {
    throw ApiError.invalid('exec needs at least one of stdin, stdout and stderr');
  }
  const pod = await pods.get(namespace, start.name);
  const container = execContainer(pod, start.container);
  const node = pod.spec?.nodeName ?? '';
  const phase = pod.status?.phase || 'Pending';
  if (node === '' || phase !== 'Running') {
    throw ApiError.failedPrecondition(
      `cannot exec into pod ${namespace}/${start.name}: it is ${phase}${node === '' ? ' and not scheduled to a node' : ''}; a command runs only in a running pod`,
    );
  }
  return { pod, container };
}

/**
 * The container to run in: the one named (an app or init container), else the one the
 * `kubectl.kubernetes.io/default-container` annotation names, else the first.
 */
export function execContainer(pod: Pod, requested: string): string {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const initContainers = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const name = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  if (requested === '') {
    const annotated = pod.metadata?.annotations?.[defaultContainerAnnotation];
    if (annotated && containers.includes(annotated)) return annotated;
    const first = containers[0];
    if (first === undefined) throw ApiError.invalid(`pod ${name} has no containers`);
    return first;
  }
  if (containers.includes(requested) || initContainers.includes(requested)) return requested;
  throw ApiError.invalid(
    `container "${requested}" is not valid for pod ${name}: choose one of [${containers.join(' ')}]${initContainers.length > 0 ? ` or one of the init containers [${initContainers.join(' ')}]` : ''}`,
    [{ field: 'container', message: `Unsupported value: "${requested}"`, reason: 'FieldValueNotSupported' }],
  );
}
