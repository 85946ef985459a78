export {
  type ServiceAccountClaims,
  serviceAccountsGroup,
  serviceAccountUsername,
} from './claims.js';
export {
  defaultServiceAccountIssuer,
  loadServiceAccountTokens,
  type ServiceAccountTokenFlags,
  type ServiceAccountTokens,
} from './service-account-tokens.js';
export { type ServiceAccountLookup, ServiceAccountTokenAuthenticator } from './token-authenticator.js';
export { type IssuedToken, TokenIssuer } from './token-issuer.js';
export { type CreateTokenRequest, createServiceAccountToken } from './token-request.js';
