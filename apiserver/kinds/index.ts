/**
 * Every kind, keyed by kind name: the strategy the generic registry needs to serve
 * it, and the methods its service has besides the generic ones. A kind is a folder
 * here and one line below.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { Strategy } from '../registry/strategy.js';
import type { WriteHooks } from '../registry/write-hooks.js';
import { clusterRoleKind } from './cluster-role/index.js';
import { clusterRoleBindingKind } from './cluster-role-binding/index.js';
import { configMapKind } from './config-map/index.js';
import { controllerRevisionKind } from './controller-revision/index.js';
import { cronJobKind } from './cron-job/index.js';
import { daemonSetKind } from './daemon-set/index.js';
import { deploymentKind } from './deployment/index.js';
import { endpointSliceKind } from './endpoint-slice/index.js';
import { endpointsKind } from './endpoints/index.js';
import { eventKind } from './event/index.js';
import { horizontalPodAutoscalerKind } from './horizontal-pod-autoscaler/index.js';
import { jobKind } from './job/index.js';
import type { HookContext, KindDefinition, StrategyOptions, Subresources } from './kind-definition.js';
import { leaseKind } from './lease/index.js';
import { limitRangeKind } from './limit-range/index.js';
import { mutatingWebhookConfigurationKind } from './mutating-webhook-configuration/index.js';
import { namespaceKind } from './namespace/index.js';
import { nodeKind } from './node/index.js';
import { podKind } from './pod/index.js';
import { podDisruptionBudgetKind } from './pod-disruption-budget/index.js';
import { priorityClassKind } from './priority-class/index.js';
import { replicaSetKind } from './replica-set/index.js';
import { resourceQuotaKind } from './resource-quota/index.js';
import { roleKind } from './role/index.js';
import { roleBindingKind } from './role-binding/index.js';
import { secretKind } from './secret/index.js';
import { serviceKind } from './service/index.js';
import { serviceAccountKind } from './service-account/index.js';
import { statefulSetKind } from './stateful-set/index.js';
import { validatingWebhookConfigurationKind } from './validating-webhook-configuration/index.js';

export type {
  HookContext,
  KindDefinition,
  StrategyOptions,
  SubresourceContext,
  Subresources,
} from './kind-definition.js';

/**
 * The registry is generic over KindObject; a kind is written for its own type. Each
 * kind is only ever handed objects of its kind, which the registry decodes with that
 * kind's message, so widening the type is safe.
 */
function erase<T extends KindObject>(definition: KindDefinition<T>): KindDefinition<KindObject> {
  return definition as unknown as KindDefinition<KindObject>;
}

const definitions = new Map(
  [
    erase(namespaceKind),
    erase(nodeKind),
    erase(podKind),
    erase(eventKind),
    erase(serviceAccountKind),
    erase(configMapKind),
    erase(secretKind),
    erase(serviceKind),
    erase(endpointsKind),
    erase(limitRangeKind),
    erase(resourceQuotaKind),
    erase(deploymentKind),
    erase(replicaSetKind),
    erase(daemonSetKind),
    erase(statefulSetKind),
    erase(controllerRevisionKind),
    erase(horizontalPodAutoscalerKind),
    erase(jobKind),
    erase(cronJobKind),
    erase(podDisruptionBudgetKind),
    erase(roleKind),
    erase(clusterRoleKind),
    erase(roleBindingKind),
    erase(clusterRoleBindingKind),
    erase(leaseKind),
    erase(endpointSliceKind),
    erase(priorityClassKind),
    erase(mutatingWebhookConfigurationKind),
    erase(validatingWebhookConfigurationKind),
  ].map((d) => [d.kind, d]),
);

export function createStrategies(opts: StrategyOptions): Map<string, Strategy> {
  return new Map([...definitions].map(([kind, d]) => [kind, d.strategy(opts) as Strategy]));
}

/** Each kind's write hooks, for kinds that have them. */
export function createWriteHooks(ctx: HookContext): Map<string, WriteHooks<KindObject>> {
  const out = new Map<string, WriteHooks<KindObject>>();
  for (const [kind, d] of definitions) if (d.hooks) out.set(kind, d.hooks(ctx));
  return out;
}

/** The methods a kind's service has besides the generic ones; undefined when it has none. */
export function subresourcesOf(kind: string): Subresources<KindObject> | undefined {
  return definitions.get(kind)?.subresources;
}
