export { delegatedMetricsAuthorizer } from './delegated-authorizer.js';
export {
  type ComponentContext,
  type ComponentDefinition,
  type FlagSpec,
  runComponent,
} from './run-component.js';
