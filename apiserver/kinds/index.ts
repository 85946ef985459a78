/**
 * Every kind's strategy, keyed by kind name: what the generic registry needs
 * to serve a kind. Adding a kind is a file here and one line below.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { Strategy } from '../registry/strategy.js';
import { clusterRoleStrategy } from './cluster-role/strategy.js';
import { clusterRoleBindingStrategy } from './cluster-role-binding/strategy.js';
import { configMapStrategy } from './config-map/strategy.js';
import { deploymentStrategy } from './deployment/strategy.js';
import { eventStrategy } from './event/strategy.js';
import { leaseStrategy } from './lease/strategy.js';
import { limitRangeStrategy } from './limit-range/strategy.js';
import { mutatingWebhookConfigurationStrategy } from './mutating-webhook-configuration/strategy.js';
import { namespaceStrategy } from './namespace/strategy.js';
import { nodeStrategy } from './node/strategy.js';
import { podStrategy } from './pod/strategy.js';
import { replicaSetStrategy } from './replica-set/strategy.js';
import { resourceQuotaStrategy } from './resource-quota/strategy.js';
import { roleStrategy } from './role/strategy.js';
import { roleBindingStrategy } from './role-binding/strategy.js';
import { secretStrategy } from './secret/strategy.js';
import { serviceAccountStrategy } from './service-account/strategy.js';
import { validatingWebhookConfigurationStrategy } from './validating-webhook-configuration/strategy.js';

export interface StrategyOptions {
  /** How long Events are kept (Kubernetes' --event-ttl; one hour by default). */
  readonly eventTtlSeconds: number;
}

/**
 * The registry is generic over KindObject; a strategy is written for its own
 * type. Each strategy is only ever handed objects of its kind, which the
 * registry decodes with that kind's message, so widening the type is safe.
 */
function erase<T extends KindObject>(strategy: Strategy<T>): Strategy {
  return strategy as unknown as Strategy;
}

export function createStrategies(opts: StrategyOptions): Map<string, Strategy> {
  const all: Strategy[] = [
    erase(namespaceStrategy()),
    erase(nodeStrategy()),
    erase(podStrategy()),
    erase(eventStrategy(opts.eventTtlSeconds)),
    erase(serviceAccountStrategy()),
    erase(configMapStrategy()),
    erase(secretStrategy()),
    erase(limitRangeStrategy()),
    erase(resourceQuotaStrategy()),
    erase(deploymentStrategy()),
    erase(replicaSetStrategy()),
    erase(roleStrategy()),
    erase(clusterRoleStrategy()),
    erase(roleBindingStrategy()),
    erase(clusterRoleBindingStrategy()),
    erase(leaseStrategy()),
    erase(mutatingWebhookConfigurationStrategy()),
    erase(validatingWebhookConfigurationStrategy()),
  ];
  return new Map(all.map((s) => [s.info.kind, s]));
}
