/**
 * `POST serviceaccounts/{name}/token`: an authentication.k8s.io/v1 TokenRequest answered
 * with a signed token and its expirationTimestamp (`kubectl create token`), through the
 * same function as the gRPC CreateServiceAccountToken.
 */
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { TokenRequest } from '../../../sdk/gen/wheelhouse/core/v1/token_request.js';
import { kinds } from '../../../sdk/kinds.js';
import { createServiceAccountToken } from '../../auth/service-account/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { RestSubresource } from '../types.js';
import { checkBodyName, jsonBodyOf } from './body.js';

const serviceAccountInfo = kinds.find((k) => k.kind === 'ServiceAccount')!;

/** A time as Kubernetes writes it: RFC 3339, whole seconds. */
function rfc3339(t: Date | undefined): string | undefined {
  return t?.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const serviceAccountTokenSubresource: RestSubresource = {
  methods: ['POST'],
  verbs: ['create'],
  kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
  async handler(req, _res, services) {
    const namespace = req.namespace || 'default';
    const body = await jsonBodyOf(req, 'TokenRequest', ['authentication.k8s.io/v1']);
    checkBodyName('TokenRequest', body, req.name);
    await services.authorize(req, {
      verb: 'create',
      info: serviceAccountInfo,
      subresource: 'token',
      namespace,
      name: req.name,
    });
    const accounts = services.registries.get('ServiceAccount') as unknown as GenericRegistry<ServiceAccount>;
    const { tokenRequest } = await createServiceAccountToken(accounts, services.tokenIssuer, {
      namespace,
      name: req.name,
      tokenRequest: TokenRequest.fromJSON(body),
    });
    const spec = tokenRequest.spec;
    return {
      status: 201,
      body: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {
          name: req.name,
          namespace,
          ...(tokenRequest.metadata?.creationTimestamp
            ? { creationTimestamp: rfc3339(tokenRequest.metadata.creationTimestamp) ?? null }
            : {}),
        },
        spec: {
          audiences: spec?.audiences ?? [],
          ...(spec?.expirationSeconds ? { expirationSeconds: Number(spec.expirationSeconds) } : {}),
        },
        status: {
          token: tokenRequest.status?.token ?? '',
          expirationTimestamp: rfc3339(tokenRequest.status?.expirationTimestamp) ?? null,
        },
      },
    };
  },
};
