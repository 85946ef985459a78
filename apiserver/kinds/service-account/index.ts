/** The ServiceAccount: its strategy, and the token subresource. */
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import type { KindDefinition } from '../kind-definition.js';
import { serviceAccountStrategy } from './strategy.js';
import { serviceAccountTokenMethods } from './token.js';

export const serviceAccountKind: KindDefinition<ServiceAccount> = {
  kind: 'ServiceAccount',
  strategy: () => serviceAccountStrategy(),
  subresources: serviceAccountTokenMethods,
};
