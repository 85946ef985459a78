/**
 * PodService.ExecPod, the apiserver's end: the caller is authorized already (`create`
 * on `pods/exec`) and the Pod running; here the call is joined to KubeletService.Exec on
 * the kubelet of the Pod's node (the connection GetPodLogs uses, the apiserver's kubelet
 * client certificate), message by message.
 *
 * Backpressure holds end to end: the caller's stdin is read only as fast as the kubelet
 * takes it, and the kubelet's output only as fast as the caller reads it, so the
 * apiserver buffers no more than one message per direction. The caller going away
 * cancels the kubelet's call, which kills the command.
 */
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type { ApiError } from '../../sdk/errors.js';
import { Code } from '../../sdk/errors.js';
import type { ExecPodRequest, ExecPodResponse } from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { ExecRequest, ExecResponse } from '../../sdk/gen/wheelhouse/kubelet/v1/kubelet_service.js';
import type { ExecStream, PodExecTarget } from '../kinds/pod/exec.js';
import type { PodLogs } from './pod-logs.js';

export function createPodExec(kubelets: Pick<PodLogs, 'withKubelet'>): PodExecTarget {
  return (pod, container, start, call, signal) =>
    kubelets.withKubelet(pod, async (client, toError) => {
      const kubelet = client.exec();
      kubelet.write({
        message: {
          $case: 'start',
          value: {
            namespace: pod.metadata?.namespace ?? '',
            podName: pod.metadata?.name ?? '',
            podUid: pod.metadata?.uid ?? '',
            container,
            command: start.command,
            stdin: start.stdin,
            stdout: start.stdout,
            stderr: start.stderr,
            tty: start.tty,
          },
        },
      });
      await join(call, kubelet, container, signal, toError);
    });
}

function join(
  call: ExecStream,
  kubelet: ClientDuplexStream<ExecRequest, ExecResponse>,
  container: string,
  signal: AbortSignal,
  toError: (err: ServiceError) => ApiError,
): Promise<void> {
  const cancel = () => kubelet.cancel();
  signal.addEventListener('abort', cancel, { once: true });

  // Caller → kubelet.
  const fromCaller = (request: ExecPodRequest) => {
    const forwarded = toKubelet(request);
    if (!forwarded || kubelet.writableEnded) return;
    if (!kubelet.write(forwarded)) {
      call.pause();
      kubelet.once('drain', () => call.resume());
    }
  };
  const callerEnded = () => {
    if (!kubelet.writableEnded) kubelet.end();
  };
  call.on('data', fromCaller);
  call.on('end', callerEnded);

  return new Promise<void>((resolve, reject) => {
    // Kubelet → caller.
    kubelet.on('data', (response: ExecResponse) => {
      if (signal.aborted) return;
      if (!call.write(toCaller(response, container))) {
        kubelet.pause();
        call.once('drain', () => kubelet.resume());
      }
    });
    kubelet.on('error', (err: ServiceError) => {
      if (signal.aborted || err.code === Code.CANCELLED) resolve();
      else reject(toError(err));
    });
    kubelet.on('end', () => resolve());
    call.resume();
  }).finally(() => {
    signal.removeEventListener('abort', cancel);
    call.off('data', fromCaller);
    call.off('end', callerEnded);
  });
}

function toKubelet(request: ExecPodRequest): ExecRequest | undefined {
  const m = request.message;
  switch (m?.$case) {
    case 'stdin':
      return { message: { $case: 'stdin', value: m.value } };
    case 'stdinClose':
      return { message: { $case: 'stdinClose', value: true } };
    case 'resize':
      return { message: { $case: 'resize', value: m.value } };
    default:
      // A second start, or an empty message: nothing to forward.
      return undefined;
  }
}

function toCaller(response: ExecResponse, container: string): ExecPodResponse {
  const m = response.message;
  switch (m?.$case) {
    case 'started':
      return { message: { $case: 'started', value: { container, tty: m.value.tty } } };
    case 'stdout':
      return { message: { $case: 'stdout', value: m.value } };
    case 'stderr':
      return { message: { $case: 'stderr', value: m.value } };
    case 'exit':
      return { message: { $case: 'exit', value: m.value } };
    default:
      return {};
  }
}
