/**
 * The simulated nodes' side of the node protocol: register every Node (or find it after
 * a restart, keeping it and its conditions' transition times), renew each node's Lease
 * every `leaseIntervalMs` (10 s) and re-post its status every `statusReportMs` (5 min).
 * Each node's heartbeats are offset by its index over the interval, so that N nodes write
 * N/interval times a second at a steady rate instead of N writes at the same instant.
 * A status report is one write on the Node as the last write returned it: the Node is
 * read only at registration (when it existed) and after a conflicting write.
 */
import { sleep } from '../../sdk/backoff.js';
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Logger } from '../../sdk/logger.js';
import { runNodeLease } from '../node/node-lease.js';
import { createNodeStatusWriter, type NodeStatusWriter } from '../node/node-status-writer.js';
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

  const registerOne = async (name: string, index: number, signal: AbortSignal): Promise<string> => {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        try {
          writerOf(name).remember(await opts.nodes.create(simulatedNode(name, index, opts.node)));
        } catch (err) {
          if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
        }
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
      const lease = async (name: string, index: number) => {
        await sleep(offsetOf(index, count, opts.leaseIntervalMs), signal);
        if (signal.aborted) return;
        await runNodeLease(
          {
            nodeName: name,
            leases: opts.leases,
            logger: opts.logger,
            renewIntervalMs: opts.leaseIntervalMs,
            nodeUid: () => uids.get(name) || undefined,
            onRenewed: () => opts.onLeaseRenewed?.(name),
          },
          signal,
        );
      };
      const report = async (name: string, index: number) => {
        await sleep(offsetOf(index, count, opts.statusReportMs), signal);
        while (!signal.aborted) {
          const started = Date.now();
          await postStatus(name, index, true).catch((err: unknown) => {
            if (!signal.aborted) opts.logger.warn({ err, node: name }, 'unable to post the node status');
          });
          await sleep(Math.max(0, opts.statusReportMs - (Date.now() - started)), signal);
        }
      };
      await Promise.all(opts.names.flatMap((name, index) => [lease(name, index), report(name, index)]));
    },
  };
}
