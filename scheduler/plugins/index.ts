/**
 * The in-tree plugins by the name configuration uses. A plugin is one file (or
 * folder) here that exports its factory, and one line below.
 */
import type { PluginFactory } from '../framework/interface.js';
import { DEFAULT_BINDER, defaultBinder } from './default-binder.js';
import { createDefaultPreemption, NAME as DEFAULT_PREEMPTION } from './default-preemption/index.js';
import { IMAGE_LOCALITY, imageLocality } from './image-locality.js';
import { createInterPodAffinity, NAME as INTER_POD_AFFINITY } from './inter-pod-affinity/index.js';
import { NODE_AFFINITY, nodeAffinity } from './node-affinity.js';
import { NODE_NAME, nodeName } from './node-name.js';
import { NODE_PORTS, nodePorts } from './node-ports.js';
import {
  NODE_RESOURCES_BALANCED_ALLOCATION,
  nodeResourcesBalancedAllocation,
} from './node-resources-balanced-allocation.js';
import { NODE_RESOURCES_FIT, nodeResourcesFit } from './node-resources-fit.js';
import { NODE_UNSCHEDULABLE, nodeUnschedulable } from './node-unschedulable.js';
import { createPodTopologySpread, NAME as POD_TOPOLOGY_SPREAD } from './pod-topology-spread/index.js';
import { SCHEDULING_GATES, schedulingGates } from './scheduling-gates.js';
import { TAINT_TOLERATION, taintToleration } from './taint-toleration.js';

export const inTreeRegistry: Readonly<Record<string, PluginFactory>> = {
  [DEFAULT_BINDER]: defaultBinder,
  [DEFAULT_PREEMPTION]: (args, handle) => createDefaultPreemption(args, handle),
  [IMAGE_LOCALITY]: imageLocality,
  [INTER_POD_AFFINITY]: createInterPodAffinity,
  [NODE_AFFINITY]: nodeAffinity,
  [NODE_NAME]: nodeName,
  [NODE_PORTS]: nodePorts,
  [NODE_RESOURCES_BALANCED_ALLOCATION]: nodeResourcesBalancedAllocation,
  [NODE_RESOURCES_FIT]: nodeResourcesFit,
  [NODE_UNSCHEDULABLE]: nodeUnschedulable,
  [POD_TOPOLOGY_SPREAD]: createPodTopologySpread,
  [SCHEDULING_GATES]: schedulingGates,
  [TAINT_TOLERATION]: taintToleration,
};
