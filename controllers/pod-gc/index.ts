/** The pod-garbage-collector controller: terminated, orphaned and stuck pods. */
import { parseDurationMs } from '../../sdk/duration.js';
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { createPodGcController } from './pod-gc-controller.js';

function duration(flags: Readonly<Record<string, unknown>>, name: string): number {
  try {
    return parseDurationMs(String(flags[name]));
  } catch {
    throw new Error(`--${name} must be a duration such as 20s or 500ms, not "${String(flags[name])}"`);
  }
}

export const podGcController: ControllerDescriptor = {
  name: 'pod-garbage-collector',
  enabledByDefault: true,
  serviceAccount: 'pod-garbage-collector',
  flags: {
    'terminated-pod-gc-threshold': {
      type: 'string',
      default: '12500',
      help: 'terminated pods kept before the oldest are deleted (0: keep all)',
    },
    'pod-gc-period': { type: 'string', default: '20s', help: 'how often pods are garbage collected' },
    'pod-gc-quarantine': {
      type: 'string',
      default: '40s',
      help: 'how long a node must be missing before the pods bound to it are deleted',
    },
  },
  async run(ctx) {
    const raw = String(ctx.flags['terminated-pod-gc-threshold']);
    const threshold = Number(raw);
    if (raw === '' || !Number.isInteger(threshold) || threshold < 0)
      throw new Error(`--terminated-pod-gc-threshold must be a non-negative integer, not "${raw}"`);
    await createPodGcController(ctx, {
      terminatedThreshold: threshold,
      periodMs: duration(ctx.flags, 'pod-gc-period'),
      quarantineMs: duration(ctx.flags, 'pod-gc-quarantine'),
    }).run();
  },
};
