/**
 * PodTopologySpread: spreads matching pods across topology domains (zones, hosts, ...).
 * `DoNotSchedule` constraints filter, `ScheduleAnyway` constraints score. A pod with no
 * constraints of its own gets the default ones for scoring when it is kept by a
 * replicating controller.
 *
 * Args (`pluginConfig`): `defaultingType` `System` (default: spread by host with
 * maxSkew 3 and by zone with maxSkew 5) or `List`, with `defaultConstraints` a list of
 * `{maxSkew, topologyKey, whenUnsatisfiable}` (no labelSelector: the owner decides).
 */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { TopologySpreadConstraint } from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type {
  ClusterEventWithHint,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  NodeScore,
  PreFilterExtensions,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  ScorePlugin,
} from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { Status } from '../../framework/status.js';
import {
  DO_NOT_SCHEDULE,
  defaultConstraints,
  podConstraints,
  SCHEDULE_ANYWAY,
  type SpreadConstraint,
  SYSTEM_DEFAULT_CONSTRAINTS,
} from './constraints.js';
import { computePreFilterState, filterNode, PreFilterState } from './filtering.js';
import { isSchedulableAfterNodeChange, isSchedulableAfterPodChange } from './queueing-hints.js';
import { computePreScoreState, nodesToCount, normalize, PreScoreState, scoreNode } from './scoring.js';

export const NAME = 'PodTopologySpread';
const preFilterStateKey = `PreFilter${NAME}`;
const preScoreStateKey = `PreScore${NAME}`;

type DefaultConstraint = Pick<TopologySpreadConstraint, 'maxSkew' | 'topologyKey' | 'whenUnsatisfiable'>;

export interface PodTopologySpreadArgs {
  readonly defaultingType: 'System' | 'List';
  readonly defaultConstraints: readonly DefaultConstraint[];
}

export function parseArgs(args: Readonly<Record<string, unknown>>): PodTopologySpreadArgs {
  const type = args.defaultingType ?? 'System';
  if (type !== 'System' && type !== 'List') {
    throw new Error(`${NAME} args: defaultingType must be System or List, got ${JSON.stringify(type)}`);
  }
  const raw = args.defaultConstraints ?? [];
  if (!Array.isArray(raw)) throw new Error(`${NAME} args: defaultConstraints must be a list`);
  if (type === 'System' && raw.length > 0) {
    throw new Error(`${NAME} args: defaultConstraints must be empty when defaultingType is System`);
  }
  const constraints = raw.map((c: unknown, i): DefaultConstraint => {
    const path = `${NAME} args: defaultConstraints[${i}]`;
    if (typeof c !== 'object' || c === null) throw new Error(`${path} must be an object`);
    const o = c as Record<string, unknown>;
    if ('labelSelector' in o) throw new Error(`${path}.labelSelector: not allowed, the pod's owner selects`);
    if (typeof o.maxSkew !== 'number' || !Number.isInteger(o.maxSkew) || o.maxSkew < 1) {
      throw new Error(`${path}.maxSkew must be an integer of at least 1`);
    }
    if (typeof o.topologyKey !== 'string' || o.topologyKey === '') {
      throw new Error(`${path}.topologyKey must be a node label key`);
    }
    if (o.whenUnsatisfiable !== DO_NOT_SCHEDULE && o.whenUnsatisfiable !== SCHEDULE_ANYWAY) {
      throw new Error(`${path}.whenUnsatisfiable must be DoNotSchedule or ScheduleAnyway`);
    }
    return { maxSkew: o.maxSkew, topologyKey: o.topologyKey, whenUnsatisfiable: o.whenUnsatisfiable };
  });
  return {
    defaultingType: type,
    defaultConstraints: type === 'System' ? SYSTEM_DEFAULT_CONSTRAINTS : constraints,
  };
}

export type PodTopologySpread = PreFilterPlugin &
  FilterPlugin &
  PreScorePlugin &
  ScorePlugin &
  EnqueueExtensions;

export function createPodTopologySpread(
  rawArgs: Readonly<Record<string, unknown>>,
  handle: Handle,
): PodTopologySpread {
  const args = parseArgs(rawArgs);
  const systemDefaulted = args.defaultingType === 'System';

  const constraintsOf = (pod: Pod, action: string): SpreadConstraint[] =>
    (pod.spec?.topologySpreadConstraints.length ?? 0) > 0
      ? podConstraints(pod, action)
      : defaultConstraints(pod, args.defaultConstraints, action);

  const readPreFilter = (state: CycleState): PreFilterState | Status => {
    const s = state.read<PreFilterState>(preFilterStateKey);
    return s instanceof PreFilterState
      ? s
      : Status.error(new Error(`${NAME}: no PreFilter state in this cycle`));
  };

  const extensions: PreFilterExtensions = {
    addPod(state, _pod, info, nodeInfo) {
      const s = readPreFilter(state);
      if (s instanceof Status) return s;
      s.updateWithPod(info, nodeInfo.node, 1);
      return Status.SUCCESS;
    },
    removePod(state, _pod, info, nodeInfo) {
      const s = readPreFilter(state);
      if (s instanceof Status) return s;
      s.updateWithPod(info, nodeInfo.node, -1);
      return Status.SUCCESS;
    },
  };

  return {
    name: NAME,

    preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
      let constraints: SpreadConstraint[];
      try {
        constraints = constraintsOf(pod, DO_NOT_SCHEDULE);
      } catch (err) {
        return {
          status: Status.unresolvable(`${NAME}: ${err instanceof Error ? err.message : String(err)}`),
        };
      }
      if (constraints.length === 0) return { status: Status.SKIP };
      state.write(preFilterStateKey, computePreFilterState(pod, constraints, handle.snapshot.list()));
      return { status: Status.SUCCESS };
    },

    preFilterExtensions: () => extensions,

    filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
      const s = readPreFilter(state);
      if (s instanceof Status) return s;
      return filterNode(s, pod, nodeInfo);
    },

    preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
      const all = handle.snapshot.list();
      if (nodes.length === 0 || all.length === 0) return Status.SKIP;
      let constraints: SpreadConstraint[];
      try {
        constraints = constraintsOf(pod, SCHEDULE_ANYWAY);
      } catch (err) {
        return Status.error(err);
      }
      if (constraints.length === 0) return Status.SKIP;
      const requireAllTopologies = (pod.spec?.topologySpreadConstraints.length ?? 0) > 0 || !systemDefaulted;
      const counted = nodesToCount(constraints, handle.snapshot);
      state.write(
        preScoreStateKey,
        computePreScoreState(pod, constraints, nodes, counted, requireAllTopologies, (uid) =>
          handle.snapshot.withPodsOf(uid),
        ),
      );
      return Status.SUCCESS;
    },

    score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
      const s = state.read<PreScoreState>(preScoreStateKey);
      if (!(s instanceof PreScoreState)) throw new Error(`${NAME}: no PreScore state in this cycle`);
      return scoreNode(s, pod, nodeInfo);
    },

    normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
      const s = state.read<PreScoreState>(preScoreStateKey);
      if (s instanceof PreScoreState) normalize(s, scores);
      return Status.SUCCESS;
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      return [
        ...(['Add', 'Delete', 'UpdatePodLabel'] as const).map((action) => ({
          event: { resource: 'AssignedPod' as const, action },
          hint: (pod: Pod, oldObj: unknown, newObj: unknown) =>
            isSchedulableAfterPodChange(
              pod,
              constraintsOf(pod, DO_NOT_SCHEDULE),
              oldObj as Pod | undefined,
              newObj as Pod | undefined,
            ),
        })),
        ...(['Add', 'Delete', 'UpdateNodeLabel', 'UpdateNodeTaint'] as const).map((action) => ({
          event: { resource: 'Node' as const, action },
          hint: (pod: Pod, oldObj: unknown, newObj: unknown) =>
            isSchedulableAfterNodeChange(
              constraintsOf(pod, DO_NOT_SCHEDULE),
              oldObj as Node | undefined,
              newObj as Node | undefined,
            ),
        })),
      ];
    },
  };
}
