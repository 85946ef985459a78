/**
 * What a kind contributes to the generic registry: a strategy. The generic
 * registry (generic-registry.ts) owns the order in which these steps run; a
 * strategy only answers for its kind. Strategies must not read or write storage.
 *
 * Create:  applyDefaults → prepareForCreate → validate → canonicalize → admission → store
 * Update:  applyDefaults → prepareForUpdate(new, old) → validateUpdate → canonicalize → admission → store
 * Status:  the same as update with the status strategy's prepareForUpdate/validateUpdate;
 *          finalize (Namespaces) likewise with its own.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import type { FieldError } from '../validation/index.js';
import type { RequestContext } from './request-context.js';

export type { RequestContext } from './request-context.js';

/** How `metadata.name` is validated: Kubernetes uses different rules per kind. */
export type NameRule = 'subdomain' | 'label' | 'dns1035-label' | 'path-segment';

/** Extracts a field for field selectors; returns undefined when the object has no such field. */
export type FieldExtractor<T> = (obj: T) => string | undefined;

/** An update through a subresource (status, finalize): what it keeps of the stored object, and its checks. */
export interface SubresourceStrategy<T extends KindObject> {
  /** Copies from `old` into `obj` what the subresource may not change (for status: everything but status). */
  prepareForUpdate(obj: T, old: T, ctx: RequestContext): void;
  validateUpdate(obj: T, old: T, ctx: RequestContext): FieldError[];
}

export type StatusStrategy<T extends KindObject> = SubresourceStrategy<T>;

export interface Strategy<T extends KindObject = KindObject> {
  readonly info: KindInfo;
  readonly nameRule: NameRule;
  /** Updates without metadata.resourceVersion are allowed (last write wins) when true. */
  readonly allowUnconditionalUpdate: boolean;
  /**
   * metadata.generation is 1 on create and moves with every change beyond metadata and
   * status, for controllers' observedGeneration (workloads, budgets, webhook
   * configurations, as in Kubernetes 1.32); other kinds have none.
   */
  readonly tracksGeneration?: boolean;
  /** Fills in defaults, as Kubernetes' scheme defaulting does; called on create and on update. */
  applyDefaults(obj: T): void;
  /** Clears what clients may not set on create (status, for kinds with a status subresource). */
  prepareForCreate(obj: T, ctx: RequestContext): void;
  /** Every failure of a new object, each with its field path. Must not mutate `obj`. */
  validate(obj: T, ctx: RequestContext): FieldError[];
  /** Keeps what the main endpoint may not change (status) from `old`. */
  prepareForUpdate(obj: T, old: T, ctx: RequestContext): void;
  /** Every failure of an update, including changes to immutable fields. Must not mutate either object. */
  validateUpdate(obj: T, old: T, ctx: RequestContext): FieldError[];
  /** Normalises a valid object before it is stored (sorting, trimming); optional. */
  canonicalize?(obj: T): void;
  /** The status subresource; absent for kinds without status. */
  readonly status?: StatusStrategy<T>;
  /** The finalize subresource (Namespaces: spec.finalizers); absent for other kinds. */
  readonly finalize?: SubresourceStrategy<T>;
  /** Field selectors this kind supports beyond metadata.name and metadata.namespace. */
  readonly fieldSelectors?: Readonly<Record<string, FieldExtractor<T>>>;
  /** Seconds a stored object lives before the store deletes it (Events); absent means forever. */
  ttlSeconds?(obj: T): number | undefined;
  /** Deletion behaviour; absent means objects go as soon as no finalizer holds them. */
  readonly deletion?: DeletionStrategy<T>;
}

/** How a kind is deleted, for kinds that do not simply disappear (Pods, Namespaces). */
export interface DeletionStrategy<T extends KindObject> {
  /**
   * Seconds the object lingers with a deletionTimestamp before it may go (Pods: until their
   * node confirms), given what the client asked for; 0 deletes at once.
   */
  gracePeriodSeconds?(obj: T, requested: number | undefined): number;
  /** Marks the object as being deleted (Namespaces: status.phase Terminating). May mutate `obj`. */
  prepareForDelete?(obj: T): void;
  /** Whether something besides metadata.finalizers holds the object (Namespaces: spec.finalizers). */
  holdsDeletion?(obj: T): boolean;
}
