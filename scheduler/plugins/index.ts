/**
 * The in-tree plugins by the name configuration uses. A plugin is one file (or
 * folder) here that exports its factory, and one line below.
 */
import type { PluginFactory } from '../framework/interface.js';
import { DEFAULT_BINDER, defaultBinder } from './default-binder.js';
import { createInterPodAffinity, NAME as INTER_POD_AFFINITY } from './inter-pod-affinity/index.js';

export const inTreeRegistry: Readonly<Record<string, PluginFactory>> = {
  [DEFAULT_BINDER]: defaultBinder,
  [INTER_POD_AFFINITY]: createInterPodAffinity,
};
