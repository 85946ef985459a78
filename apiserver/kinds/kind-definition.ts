/**
 * What a kind folder exports: its strategy, and the methods its service has besides
 * the generic ones (create, get, list, update, delete, watch and, for kinds with a
 * status, the status update), such as the Pod's binding and logs.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { Strategy } from '../registry/strategy.js';
import type { KindServiceOptions } from '../services/kind-service.js';
import type { RequestGate } from '../services/request.js';

export interface StrategyOptions {
  /** How long Events are kept (Kubernetes' --event-ttl; one hour by default). */
  readonly eventTtlSeconds: number;
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
}
