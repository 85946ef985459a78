/** The refusal every admission plugin gives, in Kubernetes' words: `pods "x" is forbidden: ...`. */
import { ApiError } from '../../../sdk/errors.js';
import type { StatusCause } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { AdmissionAttributes } from '../types.js';

/** `pods "x" is forbidden: ` — what every refusal starts with. */
export function forbiddenPrefix(attrs: AdmissionAttributes): string {
  const resource = attrs.subresource ? `${attrs.info.resource}/${attrs.subresource}` : attrs.info.resource;
  const target = attrs.name ? `${resource} "${attrs.name}"` : resource;
  return `${target} is forbidden: `;
}

export function forbidden(attrs: AdmissionAttributes, reason: string, causes: StatusCause[] = []): ApiError {
  return ApiError.forbidden(`${forbiddenPrefix(attrs)}${reason}`, {
    name: attrs.name,
    group: attrs.info.apiGroup,
    kind: attrs.info.kind,
    ...(causes.length > 0 ? { causes } : {}),
  });
}
