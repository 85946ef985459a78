/**
 * ImageLocality: prefers nodes that already hold the pod's images, so that it starts
 * without a pull. Each image the node holds adds its size × the fraction of nodes that
 * hold it (an image everywhere says little about this node, and spreading it is not
 * worth favouring one node); the sum is clamped between 23 MB (below that a pull is
 * cheap) and 1000 MB per container, and scaled to 0–100.
 *
 * Image names are compared as the node reports them, with `:latest` added to names
 * without a tag, as kube does.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { StateData } from '../framework/cycle-state.js';
import {
  type EnqueueExtensions,
  type Handle,
  MAX_NODE_SCORE,
  type PluginFactory,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/interface.js';
import type { ImageState, NodeInfo } from '../framework/node-info.js';
import { Status } from '../framework/status.js';

export const IMAGE_LOCALITY = 'ImageLocality';

const mb = 1024 * 1024;
const minThreshold = 23 * mb;
const maxContainerThreshold = 1000 * mb;

/** `name` with `:latest` when it carries no tag (a digest-only name is left alone, as kube does). */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

function scaledImageScore(state: ImageState, totalNodes: number): number {
  return Math.trunc(state.sizeBytes * (state.numNodes / totalNodes));
}

/** The pod's images, init containers first, with `:latest` added where no tag is given. */
export function podImages(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) out.push(normalizedImageName(c.image));
  for (const c of pod.spec?.containers ?? []) out.push(normalizedImageName(c.image));
  return out;
}

export function sumImageScores(nodeInfo: NodeInfo, images: readonly string[], totalNodes: number): number {
  let sum = 0;
  for (const image of images) {
    const state = nodeInfo.imageStates.get(image);
    if (state !== undefined) sum += scaledImageScore(state, totalNodes);
  }
  return sum;
}

function holdsAny(nodeInfo: NodeInfo, images: readonly string[]): boolean {
  if (nodeInfo.imageStates.size === 0) return false;
  for (const image of images) if (nodeInfo.imageStates.has(image)) return true;
  return false;
}

/** Computed once per cycle: the pod's image names and how many nodes there are. */
class PreScoreState implements StateData {
  constructor(
    readonly images: readonly string[],
    readonly totalNodes: number,
  ) {}
  clone(): StateData {
    return this;
  }
}

const preScoreStateKey = `PreScore${IMAGE_LOCALITY}`;

export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = maxContainerThreshold * numContainers;
  if (maxThreshold <= minThreshold) return 0;
  const clamped = Math.min(Math.max(sumScores, minThreshold), maxThreshold);
  return Math.trunc((MAX_NODE_SCORE * (clamped - minThreshold)) / (maxThreshold - minThreshold));
}

export const imageLocality: PluginFactory = (_args, handle: Handle) => {
  const plugin: PreScorePlugin & ScorePlugin & EnqueueExtensions = {
    name: IMAGE_LOCALITY,

    preScore(state, pod, nodes) {
      // No node reports images (the table counts them over every node), or none to
      // score holds any of the pod's: each would score 0, which cannot change the
      // choice, so the score is skipped.
      if (state.nodeTable?.imageRows === 0) return Status.SKIP;
      const images = podImages(pod);
      if (!nodes.some((ni) => holdsAny(ni, images))) return Status.SKIP;
      state.write(preScoreStateKey, new PreScoreState(images, handle.snapshot.list().length));
      return Status.SUCCESS;
    },

    score(state, pod, nodeInfo) {
      const s =
        state.read<PreScoreState>(preScoreStateKey) ??
        new PreScoreState(podImages(pod), handle.snapshot.list().length);
      if (s.totalNodes === 0) return 0;
      return calculatePriority(sumImageScores(nodeInfo, s.images, s.totalNodes), s.images.length);
    },

    /** A score plugin rejects no pod, so no event needs to requeue one for it. */
    eventsToRegister() {
      return [];
    },
  };
  return plugin;
};
