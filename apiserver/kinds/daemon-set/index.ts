/** The DaemonSet: one Pod on every eligible node. */
import type { DaemonSet } from '../../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { KindDefinition } from '../kind-definition.js';
import { daemonSetStrategy } from './strategy.js';

export const daemonSetKind: KindDefinition<DaemonSet> = {
  kind: 'DaemonSet',
  strategy: () => daemonSetStrategy(),
};
