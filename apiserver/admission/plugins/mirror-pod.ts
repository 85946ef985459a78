/** Mirror pods: the API's copies of a kubelet's static pods, marked by one annotation. */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';

export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

export function isMirrorPod(pod: Pod | undefined): boolean {
  return pod?.metadata?.annotations?.[mirrorPodAnnotation] !== undefined;
}
