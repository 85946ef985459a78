/**
 * What a kind folder exports: its strategy, and the methods its service has besides
 * the generic ones (create, get, list, update, delete, watch and, for kinds with a
 * status, the status update), such as the Pod's binding and logs.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { Logger } from '../../sdk/logger.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { Strategy } from '../registry/strategy.js';
import type { WriteHooks } from '../registry/write-hooks.js';
import type { KindServiceOptions } from '../services/kind-service.js';
import type { RequestGate } from '../services/request.js';
import type { StoreAccess } from '../storage/store-access.js';

export interface StrategyOptions {
  /** How long Events are kept (Kubernetes' --event-ttl; one hour by default). */
  readonly eventTtlSeconds: number;
  /** Where Services' cluster IPs come from (--service-cluster-ip-range; 10.96.0.0/12 by default). */
  readonly serviceClusterIPRange?: string;
  /** Where Services' node ports come from (--service-node-port-range; 30000-32767 by default). */
  readonly serviceNodePortRange?: string;
}

/**
 * What a kind's write hooks are built from: they may read and write storage, and keep
 * background work of their own (a repair loop) until `signal` aborts.
 */
export interface HookContext {
  readonly store: StoreAccess;
  readonly options: StrategyOptions;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** What a kind's extra methods are built from. */
export interface SubresourceContext<T extends KindObject> {
  readonly registry: GenericRegistry<T>;
  /** Every method authorizes through the gate first, with its subresource named. */
  readonly gate: RequestGate;
  readonly options: KindServiceOptions;
}

/** A kind's extra methods, keyed by their names in the kind's service definition (`bindPod`). */
export type Subresources<T extends KindObject> = (ctx: SubresourceContext<T>) => UntypedServiceImplementation;

export interface KindDefinition<T extends KindObject> {
  /** The kind's name in the kind table (sdk/kinds.ts). */
  readonly kind: string;
  strategy(opts: StrategyOptions): Strategy<T>;
  readonly subresources?: Subresources<T>;
  /** What the kind does around its writes beyond the strategy (a Service's IPs and ports). */
  hooks?(ctx: HookContext): WriteHooks<T>;
}
