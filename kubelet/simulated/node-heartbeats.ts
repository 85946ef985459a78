/**
 * The simulated nodes' side of the node protocol: register every Node (or find it after
 * a restart, keeping it and its conditions' transition times), renew each node's Lease
 * every `leaseIntervalMs` (10 s) and re-post its status every `statusReportMs` (5 min).
 * Each node's heartbeats are offset by its index over the interval, so that N nodes write
 * N/interval times a second at a steady rate instead of N writes at the same instant.
 *
 * What a node costs the apiserver: registration is one create carrying the status (a
 * Node may be created with its status, as the kubelet does); its Lease's first renewal
 * is one create (read first only after a restart, when the Lease exists); every renewal
 * after that is one update, and every status report one update, each on the object the
 * last write returned: the Node or Lease is read again only after a conflicting write.
 * All heartbeats share one timer (beat-scheduler.ts).
 */
import { sleep } from '../../sdk/backoff.js';
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Logger } from '../../sdk/logger.js';
import { createNodeLeaseRenewer, retryDelayMs } from '../node/node-lease.js';
import { createNodeStatusWriter, type NodeStatusWriter } from '../node/node-status-writer.js';
import { createBeatScheduler } from './beat-scheduler.js';
import {
  nodeStatusChanged,
  type SimulatedNodeOptions,
  simulatedNode,
  simulatedNodeStatus,
} from './simulated-node.js';

export interface NodeHeartbeatOptions {
  readonly names: readonly string[];
  readonly node: SimulatedNodeOptions;
  readonly nodes: TypedClient<Node>;
  readonly leases: TypedClient<Lease>;
  readonly logger: Logger;
  readonly leaseIntervalMs: number;
  readonly statusReportMs: number;
  /** Registrations in flight at once. */
  readonly concurrency?: number;
  readonly onLeaseRenewed?: (node: string) => void;
  readonly onStatusWritten?: (node: string) => void;
}

export interface NodeHeartbeats {
  /** Registers every node (retrying each until it succeeds or `signal` aborts); resolves with their uids. */
  register(signal: AbortSignal): Promise<ReadonlyMap<string, string>>;
  /** Leases and status reports until `signal` aborts. */
  run(uids: ReadonlyMap<string, string>, signal: AbortSignal): Promise<void>;
}

/** Where in an interval node `index` of `count` beats: spread evenly. */
function offsetOf(index: number, count: number, intervalMs: number): number {
  return Math.floor((intervalMs * index) / Math.max(1, count));
}

export function createNodeHeartbeats(opts: NodeHeartbeatOptions): NodeHeartbeats {
  const count = opts.names.length;

  // Each node's last written Node: a report is one write, with no read before it.
  const writers = new Map(opts.names.map((name) => [name, createNodeStatusWriter(opts.nodes, name)]));
  const writerOf = (name: string) => writers.get(name) as NodeStatusWriter;

  /** Writes the node's status (when it changed, or `always`); returns the Node. */
  const postStatus = async (name: string, index: number, always: boolean): Promise<Node> => {
    let wrote = false;
    const node = await writerOf(name).update((current) => {
      const status = simulatedNodeStatus(name, index, opts.node, current.status, new Date());
      wrote = always || nodeStatusChanged(current.status, status);
      return wrote ? status : undefined;
    });
    if (wrote) opts.onStatusWritten?.(name);
    return node;
  };

  /** Nodes this process created (rather than found): their Leases cannot be there yet, most likely. */
  const created = new Set<string>();

  const registerOne = async (name: string, index: number, signal: AbortSignal): Promise<string> => {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        try {
          const node = simulatedNode(name, index, opts.node);
          node.status = simulatedNodeStatus(name, index, opts.node, undefined, new Date());
          const done = await opts.nodes.create(node);
          writerOf(name).remember(done);
          created.add(name);
          opts.onStatusWritten?.(name);
          return done.metadata?.uid ?? '';
        } catch (err) {
          if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
        }
        // Registered before (a restarted simulator): the Node is kept, its status brought up to date.
        const node = await postStatus(name, index, true);
        return node.metadata?.uid ?? '';
      } catch (err) {
        if (signal.aborted) break;
        opts.logger.warn({ err, node: name, attempt }, 'unable to register the simulated node; retrying');
        await sleep(Math.min(7_000, 200 * 2 ** attempt), signal);
      }
    }
    return '';
  };

  return {
    async register(signal) {
      const uids = new Map<string, string>();
      let next = 0;
      const worker = async () => {
        while (!signal.aborted && next < count) {
          const index = next++;
          const name = opts.names[index] as string;
          uids.set(name, await registerOne(name, index, signal));
        }
      };
      await Promise.all(Array.from({ length: Math.min(count, opts.concurrency ?? 32) }, worker));
      return uids;
    },

    async run(uids, signal) {
      const beats = createBeatScheduler();
      const start = Date.now();
      opts.names.forEach((name, index) => {
        const renewer = createNodeLeaseRenewer({
          nodeName: name,
          leases: opts.leases,
          logger: opts.logger,
          nodeUid: () => uids.get(name) || undefined,
          onRenewed: () => opts.onLeaseRenewed?.(name),
          createFirst: created.has(name),
        });
        // As the kubelet's lease controller: the next renewal an interval after this one ended.
        const renew = async () => {
          let next = opts.leaseIntervalMs;
          try {
            await renewer.renew(new Date());
          } catch (err) {
            if (!signal.aborted)
              opts.logger.warn({ err, node: name }, 'failed to renew the node lease; retrying');
            next = retryDelayMs(opts.leaseIntervalMs);
          }
          beats.schedule(Date.now() + next, renew);
        };
        const report = async () => {
          const started = Date.now();
          await postStatus(name, index, true).catch((err: unknown) => {
            if (!signal.aborted) opts.logger.warn({ err, node: name }, 'unable to post the node status');
          });
          beats.schedule(started + opts.statusReportMs, report);
        };
        beats.schedule(start + offsetOf(index, count, opts.leaseIntervalMs), renew);
        beats.schedule(start + offsetOf(index, count, opts.statusReportMs), report);
      });
      await beats.run(signal);
    },
  };
}
