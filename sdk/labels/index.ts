export { fromLabelSelector } from './from-label-selector.js';
export { parse } from './parse.js';
export {
  everything,
  fromRequirements,
  fromSet,
  isEmpty,
  type Labels,
  matches,
  newRequirement,
  nothing,
  type Operator,
  type Requirement,
  requirementMatches,
  requirementToString,
  type Selector,
  selectorToString,
  selectorToString as toString,
} from './selector.js';
export {
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPercent,
} from './validation.js';
