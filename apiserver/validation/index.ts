export {
  causeReason,
  duplicate,
  type ErrorList,
  errorBody,
  errorMessage,
  type FieldError,
  type FieldErrorType,
  forbidden,
  formatValue,
  internalError,
  invalid,
  notFound,
  notSupported,
  required,
  tooLong,
  tooMany,
} from './field-error.js';
export { FieldPath } from './field-path.js';
export {
  totalAnnotationSizeLimitBytes,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
} from './labels.js';
export {
  type NameRule,
  type NameValidator,
  nameIsDnsLabel,
  nameIsDnsSubdomain,
  nameIsPathSegment,
  nameValidators,
  validateDnsLabel,
  validateDnsSubdomain,
  validateLabelValue,
  validateQualifiedName,
} from './names.js';
export {
  fieldImmutableErrorMsg,
  immutable,
  type ObjectMetaRules,
  validateFinalizers,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateOwnerReferences,
} from './object-meta.js';
export { type KindRef, toApiError } from './to-api-error.js';
export {
  isNegativeErrorMsg,
  isNotPositiveErrorMsg,
  type ResourceLists,
  validateIntOrPercent,
  validateNonNegative,
  validateNonNegativeQuantity,
  validateNotMoreThan100Percent,
  validatePositive,
  validateQuantity,
  validateResourceRequirements,
} from './values.js';
