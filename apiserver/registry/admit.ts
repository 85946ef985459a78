/**
 * What the generic registry asks of admission: two functions it is given, so that the
 * registry fixes when admission runs (generic-registry.ts) and knows nothing of the
 * plugins that decide what it does.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import type { RequestContext } from './request-context.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** One request as admission sees it. */
export interface AdmissionAttributes {
  readonly operation: Operation;
  readonly info: KindInfo;
  /** `status`, `binding`, `scale`, ... or '' for the object itself. */
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  /** The new object (create, update); mutating admission may change it. */
  readonly object?: KindObject;
  /** The stored object (update, delete). */
  readonly oldObject?: KindObject;
  readonly ctx: RequestContext;
}

export interface Admit {
  /** Mutating admission: may change `attrs.object`; rejects with an ApiError to refuse. */
  mutate(attrs: AdmissionAttributes): Promise<void>;
  /** Validating admission: rejects with an ApiError to refuse; changes nothing. */
  validate(attrs: AdmissionAttributes): Promise<void>;
}
