import { ApiError } from '../errors.js';
import type { LabelSelector } from '../gen/wheelhouse/meta/v1/meta.js';
import { maxEchoedChars, quoteRaw, truncate } from '../truncate.js';
import {
  fromRequirements,
  newRequirement,
  nothing,
  type Operator,
  type Requirement,
  requirementErrors,
  type Selector,
} from './selector.js';

/** The operators a LabelSelectorRequirement may use (Gt and Lt exist only in the string syntax). */
const operators: Readonly<Record<string, Operator>> = {
  In: 'In',
  NotIn: 'NotIn',
  Exists: 'Exists',
  DoesNotExist: 'DoesNotExist',
};

/**
 * Converts the structured selector of an object (a Deployment's `spec.selector`)
 * into a Selector, as Kubernetes' LabelSelectorAsSelector does: an absent selector
 * matches nothing, an empty one matches everything. Throws an INVALID_ARGUMENT
 * ApiError listing every invalid term.
 */
export function fromLabelSelector(ls: LabelSelector | undefined): Selector {
  if (ls === undefined) return nothing();
  const requirements: Requirement[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const errs = requirementErrors(key, 'Equals', [value]);
    if (errs.length > 0) problems.push(`matchLabels[${truncate(key, maxEchoedChars)}]: ${errs.join('; ')}`);
    else requirements.push(newRequirement(key, 'Equals', [value]));
  }
  (ls.matchExpressions ?? []).forEach((expr, i) => {
    const operator = operators[expr.operator];
    if (operator === undefined) {
      problems.push(
        `matchExpressions[${i}].operator: ${quoteRaw(expr.operator)} is not a valid label selector operator ` +
          '(use In, NotIn, Exists or DoesNotExist)',
      );
      return;
    }
    const errs = requirementErrors(expr.key, operator, expr.values ?? []);
    if (errs.length > 0) problems.push(`matchExpressions[${i}]: ${errs.join('; ')}`);
    else requirements.push(newRequirement(expr.key, operator, expr.values ?? []));
  });
  if (problems.length > 0) throw ApiError.invalid(`invalid label selector: ${problems.join(', ')}`);
  return fromRequirements(requirements);
}
