/**
 * The node-lifecycle controller: node health from Leases and status, condition and
 * NoExecute taints at each zone's rate, and taint-based eviction of pods.
 */
import { parseDurationMs } from '../../sdk/duration.js';
import type { ControllerDescriptor } from '../controller-descriptor.js';
import { createNodeLifecycleController } from './node-lifecycle-controller.js';
import { createTaintEvictionController } from './taint-eviction.js';

function positiveNumber(flags: Readonly<Record<string, unknown>>, name: string, integer = false): number {
  const raw = String(flags[name]);
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw new Error(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, not "${raw}"`);
  return n;
}

function duration(flags: Readonly<Record<string, unknown>>, name: string): number {
  try {
    return parseDurationMs(String(flags[name]));
  } catch {
    throw new Error(`--${name} must be a duration such as 50s or 500ms, not "${String(flags[name])}"`);
  }
}

export const nodeLifecycleController: ControllerDescriptor = {
  name: 'node-lifecycle',
  eventSource: 'node-controller',
  enabledByDefault: true,
  serviceAccount: 'node-controller',
  flags: {
    'node-monitor-period': { type: 'string', default: '5s', help: 'how often node health is checked' },
    'node-monitor-grace-period': {
      type: 'string',
      default: '50s',
      help: 'how long a node may go silent before it is marked Unknown',
    },
    'node-startup-grace-period': {
      type: 'string',
      default: '1m',
      help: 'how long a new node may take to post its first status',
    },
    'node-eviction-rate': {
      type: 'string',
      default: '0.1',
      help: 'nodes per second given NoExecute taints in a healthy zone',
    },
    'secondary-node-eviction-rate': {
      type: 'string',
      default: '0.01',
      help: 'nodes per second given NoExecute taints in an unhealthy zone of a large cluster',
    },
    'unhealthy-zone-threshold': {
      type: 'string',
      default: '0.55',
      help: 'share of not-Ready nodes (at least 3) that makes a zone unhealthy',
    },
    'large-cluster-size-threshold': {
      type: 'string',
      default: '50',
      help: 'zones with more nodes than this keep evicting at the secondary rate when unhealthy',
    },
    'concurrent-taint-eviction-syncs': {
      type: 'string',
      default: '8',
      help: 'taint-based evictions processed at once',
    },
  },
  async run(ctx) {
    const f = ctx.flags;
    const lifecycle = createNodeLifecycleController(ctx, {
      monitorPeriodMs: duration(f, 'node-monitor-period'),
      monitorGracePeriodMs: duration(f, 'node-monitor-grace-period'),
      startupGracePeriodMs: duration(f, 'node-startup-grace-period'),
      evictionRate: positiveNumber(f, 'node-eviction-rate'),
      secondaryEvictionRate: positiveNumber(f, 'secondary-node-eviction-rate'),
      unhealthyZoneThreshold: positiveNumber(f, 'unhealthy-zone-threshold'),
      largeClusterThreshold: positiveNumber(f, 'large-cluster-size-threshold', true),
    });
    const workers = Math.max(1, positiveNumber(f, 'concurrent-taint-eviction-syncs', true));
    // As in Kubernetes, evictions are the taint eviction controller's Events.
    const eviction = createTaintEvictionController(
      { ...ctx, events: ctx.events.withComponent('taint-eviction-controller') },
      { workers },
    );
    await Promise.all([lifecycle.run(), eviction.run(ctx.signal)]);
  },
};
