/**
 * Admission: the last word on a request before it is stored. Mutating plugins run
 * first, in order, and may change the object; validating plugins run after the
 * object has passed its kind's validation and may only refuse. Each plugin is one
 * file behind this interface; the chain is configured by name.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import type { RequestContext } from '../registry/strategy.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  readonly operation: Operation;
  readonly info: KindInfo;
  /** `status`, `binding`, `scale`, ... or '' for the object itself. */
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  /** The new object (create, update); mutating plugins may change it. */
  readonly object?: KindObject;
  /** The stored object (update, delete). */
  readonly oldObject?: KindObject;
  readonly ctx: RequestContext;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutating phase: may change `attrs.object`; throws an ApiError to refuse. */
  admit?(attrs: AdmissionAttributes): void | Promise<void>;
  /** Validating phase: throws an ApiError to refuse; must not change anything. */
  validate?(attrs: AdmissionAttributes): void | Promise<void>;
}
