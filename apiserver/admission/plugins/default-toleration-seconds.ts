/**
 * DefaultTolerationSeconds: every new Pod tolerates a not-ready or unreachable node for
 * five minutes (NoExecute), unless it says otherwise, so that a node's short absence
 * does not evict everything on it at once.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Toleration } from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import type { AdmissionPlugin } from '../types.js';

export const notReadyTaint = 'node.kubernetes.io/not-ready';
export const unreachableTaint = 'node.kubernetes.io/unreachable';

export interface DefaultTolerationSecondsOptions {
  notReadySeconds?: number;
  unreachableSeconds?: number;
}

/** Whether some toleration already covers the NoExecute taint with this key. */
function covers(tolerations: readonly Toleration[], key: string): boolean {
  return tolerations.some(
    (t) =>
      (t.key === key || (t.key === '' && t.operator === 'Exists')) &&
      (t.effect === 'NoExecute' || t.effect === ''),
  );
}

export function defaultTolerationSeconds(opts: DefaultTolerationSecondsOptions = {}): AdmissionPlugin {
  const defaults: [string, number][] = [
    [notReadyTaint, opts.notReadySeconds ?? 300],
    [unreachableTaint, opts.unreachableSeconds ?? 300],
  ];
  return {
    name: 'DefaultTolerationSeconds',
    admit(attrs) {
      if (attrs.info.kind !== 'Pod' || attrs.operation !== 'CREATE' || attrs.subresource !== '') return;
      const spec = (attrs.object as Pod | undefined)?.spec;
      if (!spec) return;
      for (const [key, seconds] of defaults) {
        if (covers(spec.tolerations, key)) continue;
        spec.tolerations.push(
          Toleration.fromPartial({
            key,
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: String(seconds),
          }),
        );
      }
    },
  };
}
