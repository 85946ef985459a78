/**
 * Writes a node's status without reading the Node first. The writer keeps the Node as
 * the last write returned it and sends the next status on that object, guarded by its
 * resourceVersion; only when someone else changed the Node meanwhile (ABORTED: a taint,
 * a label, the node lifecycle controller marking it Unknown) is it read again, and the
 * status computed afresh from what was read. A kubelet that re-posts its status on a
 * timer thus costs one write per report instead of a consistent read plus a write: at a
 * thousand nodes those reads were most of the apiserver's calls.
 */
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Node, NodeStatus } from '../../sdk/gen/wheelhouse/core/v1/node.js';

export interface NodeStatusWriter {
  /** The Node as last read or written; undefined before the first. */
  current(): Node | undefined;
  /** Remembers a Node just created or read elsewhere, so that the next write needs no read. */
  remember(node: Node): void;
  /**
   * Writes the status `next` computes from the Node, reading the Node only when none is
   * remembered or a write conflicted (then `next` is called again on what was read).
   * When `next` returns undefined nothing is worth writing: nothing is written and the
   * Node is returned as it is known.
   */
  update(next: (current: Node) => NodeStatus | undefined): Promise<Node>;
}

/** Writes tried on conflicts before the error is handed back. */
const conflictRetries = 3;

export function createNodeStatusWriter(nodes: TypedClient<Node>, name: string): NodeStatusWriter {
  let known: Node | undefined;
  return {
    current: () => known,
    remember(node) {
      known = node;
    },
    async update(next) {
      for (let attempt = 0; ; attempt++) {
        const base = known ?? (await nodes.get('', name));
        known = base;
        const status = next(base);
        if (!status) return base;
        try {
          known = await nodes.updateStatus({ ...base, status });
          return known;
        } catch (err) {
          // Stale (someone else wrote the Node) or gone: read it again next time.
          known = undefined;
          if (!(err instanceof ApiError && err.code === Code.ABORTED) || attempt >= conflictRetries)
            throw err;
        }
      }
    },
  };
}
