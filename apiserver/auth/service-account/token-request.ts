/**
 * `ServiceAccountService.CreateServiceAccountToken`, the analogue of Kubernetes'
 * TokenRequest (`POST .../serviceaccounts/<name>/token`): validates the request,
 * reads the ServiceAccount (NOT_FOUND when there is none: a token is always bound
 * to a live account and its uid) and answers with the signed token and when it
 * expires. The token is in the response only; nothing here logs it.
 */
import { ApiError } from '../../../sdk/errors.js';
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { TokenRequest } from '../../../sdk/gen/wheelhouse/core/v1/token_request.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { type ErrorList, FieldPath, forbidden, invalid, toApiError } from '../../validation/index.js';
import { minExpirationSeconds, TokenIssuer } from './token-issuer.js';

export interface CreateTokenRequest {
  namespace?: string;
  name: string;
  tokenRequest?: TokenRequest;
}

export async function createServiceAccountToken(
  serviceAccounts: GenericRegistry<ServiceAccount>,
  issuer: TokenIssuer | undefined,
  req: CreateTokenRequest,
  now = new Date(),
): Promise<{ tokenRequest: TokenRequest }> {
  if (issuer === undefined) {
    throw ApiError.unimplemented(
      'this apiserver issues no service account tokens: start it with --service-account-signing-key-file',
    );
  }
  const namespace = req.namespace || 'default';
  const spec = req.tokenRequest?.spec;
  const expirationSeconds =
    spec?.expirationSeconds === undefined ? undefined : Number(spec.expirationSeconds);
  const errors: ErrorList = [];
  const specPath = FieldPath.of('spec');
  if (expirationSeconds !== undefined && !(expirationSeconds >= minExpirationSeconds)) {
    errors.push(
      invalid(
        specPath.child('expirationSeconds'),
        spec?.expirationSeconds,
        `may not specify a duration less than ${minExpirationSeconds / 60} minutes`,
      ),
    );
  }
  const bound = spec?.boundObjectRef;
  if (bound && (bound.kind !== '' || bound.name !== '' || bound.uid !== '')) {
    errors.push(forbidden(specPath.child('boundObjectRef'), 'tokens bound to objects are not supported'));
  }
  (spec?.audiences ?? []).forEach((aud, i) => {
    if (aud.trim() === '')
      errors.push(invalid(specPath.child('audiences').index(i), aud, 'must not be empty'));
  });
  if (errors.length > 0) {
    throw toApiError({ kind: 'TokenRequest', apiGroup: 'authentication.k8s.io' }, req.name, errors);
  }

  const sa = await serviceAccounts.get(namespace, req.name);
  const uid = sa.metadata?.uid ?? '';
  const issued = issuer.issue(
    { namespace, name: req.name, uid },
    {
      ...(spec?.audiences?.length ? { audiences: spec.audiences } : {}),
      ...(expirationSeconds !== undefined ? { expirationSeconds } : {}),
      now,
    },
  );
  const lifetime = TokenIssuer.lifetimeOf(expirationSeconds);
  return {
    tokenRequest: TokenRequest.create({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: req.name, namespace, creationTimestamp: now },
      spec: {
        audiences: spec?.audiences?.length ? [...spec.audiences] : [...issuer.apiAudiences],
        expirationSeconds: String(lifetime),
      },
      status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
    }),
  };
}
