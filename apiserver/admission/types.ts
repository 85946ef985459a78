/**
 * Admission: the last word on a request before it is stored. Mutating plugins run
 * first, in order, and may change the object; validating plugins run after the
 * object has passed its kind's validation and may only refuse. Each plugin is one
 * file behind this interface; the chain is configured by name.
 */
import type { AdmissionAttributes } from '../registry/admit.js';

export type { AdmissionAttributes, Operation } from '../registry/admit.js';

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutating phase: may change `attrs.object`; throws an ApiError to refuse. */
  admit?(attrs: AdmissionAttributes): void | Promise<void>;
  /** Validating phase: throws an ApiError to refuse; must not change anything. */
  validate?(attrs: AdmissionAttributes): void | Promise<void>;
}
