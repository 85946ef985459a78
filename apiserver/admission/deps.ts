/**
 * What admission plugins may use besides the request: reads of other objects (from
 * the watch caches, falling back to the store) and the registries, for the few plugins
 * that must write (ResourceQuota updates quota usage).
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { Logger } from '../../sdk/logger.js';
import type { GenericRegistry } from '../registry/generic-registry.js';

export interface ClusterReader {
  /** One object, or undefined when it does not exist. `kind` is the kind name (`Namespace`). */
  get<T extends KindObject>(kind: string, namespace: string, name: string): Promise<T | undefined>;
  /** Every object of a kind in a namespace ('' for all, or for cluster-scoped kinds). */
  list<T extends KindObject>(kind: string, namespace: string): Promise<T[]>;
}

export interface AdmissionDeps {
  readonly reader: ClusterReader;
  /** By kind name. */
  readonly registries: ReadonlyMap<string, GenericRegistry<KindObject>>;
  readonly logger: Logger;
}
