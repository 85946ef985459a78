/**
 * ServiceAccountService.CreateServiceAccountToken: the `serviceaccounts/token`
 * subresource. Without a token issuer it answers UNIMPLEMENTED.
 */
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { asyncUnary } from '../../../sdk/server/index.js';
import { type CreateTokenRequest, createServiceAccountToken } from '../../auth/service-account/index.js';
import type { Subresources } from '../kind-definition.js';

export const serviceAccountTokenMethods: Subresources<ServiceAccount> = ({ registry, gate, options }) => ({
  createServiceAccountToken: asyncUnary<CreateTokenRequest, unknown>(async (req, call) => {
    await gate.admit(call.metadata, {
      verb: 'create',
      info: registry.info,
      subresource: 'token',
      namespace: req.namespace || 'default',
      name: req.name,
    });
    return createServiceAccountToken(registry, options.tokenIssuer, req);
  }),
});
