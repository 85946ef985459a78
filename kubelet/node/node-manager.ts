/**
 * Registers the node and keeps its status current: the Node is created once (or found,
 * after a restart), then its status is computed every `updateFrequencyMs` (10 s) and
 * written when it changed, or at least every `reportFrequencyMs` (5 min) — the Lease is
 * the frequent heartbeat, the status is not. The status is computed from the last one
 * written and sent on the Node the last write returned, so a check reads nothing and a
 * report is a single write (node-status-writer.ts).
 */
import { hostname as osHostname } from 'node:os';
import { sleep } from '../../sdk/backoff.js';
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { EventRecorder } from '../../sdk/events/index.js';
import type { Node, NodeStatus } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Logger } from '../../sdk/logger.js';
import { type ContainerRuntime, RuntimeConditionType } from '../runtime/runtime.js';
import { hostInfo, hostPressure } from './host.js';
import { conditionEvents, initialNode, type NodeIdentity, nodeStatus, sameStatus } from './node-status.js';
import { createNodeStatusWriter } from './node-status-writer.js';

export interface NodeManagerOptions {
  readonly id: NodeIdentity;
  readonly nodes: TypedClient<Node>;
  readonly runtime: ContainerRuntime;
  readonly rootDir: string;
  readonly capacity: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly kubeletVersion: string;
  readonly kubeletPort: number;
  readonly logger: Logger;
  /** Where the Node's condition changes are reported as Events (NodeReady, NodeHasSufficientMemory, …). */
  readonly events?: EventRecorder;
  readonly updateFrequencyMs?: number;
  readonly reportFrequencyMs?: number;
}

export interface NodeManager {
  /** Creates the Node, or finds it; retries (at least every second) until it succeeds or `signal` aborts. */
  register(signal: AbortSignal): Promise<Node | undefined>;
  /** Keeps the status current until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** The last status written (or computed); undefined before the first. */
  lastStatus(): NodeStatus | undefined;
  /** Asks for a status computation now (e.g. the runtime changed). */
  poke(): void;
}

async function runtimeState(runtime: ContainerRuntime) {
  const version = await runtime.version({ version: 'v1' });
  let ready = false;
  let message = 'container runtime status check may not have completed yet';
  try {
    const status = await runtime.status({ verbose: false });
    const conditions = status.status?.conditions ?? [];
    const failing = conditions.filter(
      (c) =>
        (c.type === RuntimeConditionType.RuntimeReady || c.type === RuntimeConditionType.NetworkReady) &&
        !c.status,
    );
    ready = failing.length === 0 && conditions.some((c) => c.type === RuntimeConditionType.RuntimeReady);
    message = ready
      ? ''
      : `container runtime is not ready: ${failing.map((c) => `${c.type}=false reason:${c.reason} message:${c.message}`).join('; ') || 'no RuntimeReady condition'}`;
  } catch (err) {
    message = `container runtime is down: ${(err as Error).message}`;
  }
  return { name: version.runtimeName, version: version.runtimeVersion, ready, message };
}

export function createNodeManager(opts: NodeManagerOptions): NodeManager {
  const updateMs = opts.updateFrequencyMs ?? 10_000;
  const reportMs = opts.reportFrequencyMs ?? 300_000;
  const name = opts.id.name;
  const host = hostInfo();
  let last: NodeStatus | undefined;
  let lastReportAt = 0;
  let wake: (() => void) | undefined;

  const compute = async (now: Date): Promise<NodeStatus> => {
    const [runtime, images] = await Promise.all([
      runtimeState(opts.runtime).catch((err: unknown) => ({
        name: 'unknown',
        version: 'unknown',
        ready: false,
        message: `container runtime is down: ${(err as Error).message}`,
      })),
      opts.runtime
        .listImages({})
        .then((r) => r.images)
        .catch(() => []),
    ]);
    return nodeStatus(
      {
        id: opts.id,
        hostname: osHostname(),
        capacity: opts.capacity,
        allocatable: opts.allocatable,
        host,
        pressure: hostPressure(opts.rootDir),
        runtime,
        kubeletVersion: opts.kubeletVersion,
        kubeletPort: opts.kubeletPort,
        images,
      },
      last,
      now,
    );
  };

  // The Node as last written: a report is one write, read again only after a conflict.
  const writer = createNodeStatusWriter(opts.nodes, name);
  const write = async (status: NodeStatus) => {
    const updated = await writer.update(() => status);
    const before = last;
    last = updated.status ?? status;
    for (const e of conditionEvents(name, before, last))
      opts.events?.event(updated, e.type, e.reason, e.message);
    lastReportAt = Date.now();
  };

  return {
    lastStatus: () => last,
    poke: () => wake?.(),
    async register(signal) {
      for (let attempt = 0; !signal.aborted; attempt++) {
        try {
          let node: Node;
          try {
            node = await opts.nodes.create(initialNode(opts.id));
            opts.logger.info({ node: name }, 'registered the node');
          } catch (err) {
            if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
            node = await opts.nodes.get('', name);
            opts.logger.info({ node: name }, 'the node was registered before');
          }
          writer.remember(node);
          last = node.status;
          const status = await compute(new Date());
          await write(status);
          return node;
        } catch (err) {
          opts.logger.warn({ err, attempt }, 'unable to register the node with the API; retrying');
          // Capped at a second: a kubelet that hosts the apiserver as a static pod registers
          // as soon as it answers, and a failed try against a server that is down costs little.
          await sleep(Math.min(1_000, 200 * 2 ** attempt), signal);
        }
      }
      return undefined;
    },
    async run(signal) {
      while (!signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, updateMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          signal.addEventListener('abort', () => wake?.(), { once: true });
        });
        wake = undefined;
        if (signal.aborted) return;
        try {
          const status = await compute(new Date());
          if (!sameStatus(last, status) || Date.now() - lastReportAt >= reportMs) await write(status);
        } catch (err) {
          opts.logger.warn({ err }, 'unable to update the node status; retrying');
        }
      }
    },
  };
}
