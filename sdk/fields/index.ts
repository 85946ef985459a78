export {
  escapeValue,
  everythingFields,
  type FieldOperator,
  type FieldRequirement,
  type FieldSelector,
  fieldSelectorToString,
  fieldSelectorToString as toString,
  type GetField,
  isEmptyFieldSelector,
  matchesFields,
  matchesFields as matches,
  parseFieldSelector,
  parseFieldSelector as parse,
  requiredValue,
} from './selector.js';
export {
  checkSupportedFields,
  compileFieldSelector,
  type FieldExtractor,
  objectMetaFields,
  type SupportedFields,
} from './supported-fields.js';
