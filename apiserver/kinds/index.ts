/**
 * Every kind's strategy, keyed by kind name: what the generic registry needs
 * to serve a kind. Adding a kind is a file here and one line below.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { Strategy } from '../registry/strategy.js';
import { clusterRoleStrategy } from './cluster-role.js';
import { clusterRoleBindingStrategy } from './cluster-role-binding.js';
import { configMapStrategy } from './config-map.js';
import { deploymentStrategy } from './deployment.js';
import { eventStrategy } from './event.js';
import { leaseStrategy } from './lease.js';
import { limitRangeStrategy } from './limit-range.js';
import { mutatingWebhookConfigurationStrategy } from './mutating-webhook-configuration.js';
import { namespaceStrategy } from './namespace.js';
import { nodeStrategy } from './node.js';
import { podStrategy } from './pod.js';
import { replicaSetStrategy } from './replica-set.js';
import { resourceQuotaStrategy } from './resource-quota.js';
import { roleStrategy } from './role.js';
import { roleBindingStrategy } from './role-binding.js';
import { secretStrategy } from './secret.js';
import { serviceAccountStrategy } from './service-account.js';
import { validatingWebhookConfigurationStrategy } from './validating-webhook-configuration.js';

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
