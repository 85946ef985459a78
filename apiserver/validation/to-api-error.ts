import { ApiError, maxStatusCauses, moreErrors } from '../../sdk/errors.js';
import type { StatusCause } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { quote } from '../../sdk/truncate.js';
import { causeReason, type ErrorList, errorBody, errorMessage } from './field-error.js';

/** The kind an invalid object is of; a KindInfo from sdk/kinds.ts will do. */
export interface KindRef {
  readonly kind: string;
  /** '' for the core group. */
  readonly apiGroup: string;
}

/** `Pod` for the core group, `Deployment.apps` otherwise: how Kubernetes names a kind in messages. */
function qualifiedKind(kind: KindRef): string {
  return kind.apiGroup === '' ? kind.kind : `${kind.kind}.${kind.apiGroup}`;
}

/**
 * Turns the field errors of one object into one INVALID_ARGUMENT ApiError, as
 * Kubernetes' NewInvalid does: the message lists every error
 * (`Pod "web" is invalid: [spec.containers[0].image: Required value, ...]`) and
 * the details carry each of them as a StatusCause, addressed by field path. Past
 * `maxStatusCauses` errors the message lists the first ones and `and K more errors`,
 * as the causes are summed up when they are sent (sdk/errors.ts).
 */
export function toApiError(kind: KindRef | string, name: string, errors: ErrorList): ApiError {
  const ref: KindRef = typeof kind === 'string' ? { kind, apiGroup: '' } : kind;
  const causes: StatusCause[] = errors.map((err) => ({
    reason: causeReason(err.type),
    message: errorBody(err),
    field: err.path,
  }));
  // Repeated messages add nothing; Kubernetes' aggregate drops them too.
  const messages = [...new Set(errors.map(errorMessage))];
  if (messages.length > maxStatusCauses) {
    const rest = messages.length - maxStatusCauses;
    messages.splice(maxStatusCauses, rest, moreErrors(rest));
  }
  let message = `${qualifiedKind(ref)} ${quote(name)} is invalid`;
  if (messages.length === 1) message += `: ${messages[0]}`;
  else if (messages.length > 1) message += `: [${messages.join(', ')}]`;
  return ApiError.invalid(message, causes, { name, kind: ref.kind, group: ref.apiGroup });
}
