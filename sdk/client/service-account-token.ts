/**
 * A token for a ServiceAccount from the TokenRequest API
 * (`ServiceAccountService.CreateServiceAccountToken`): what the kubelet projects into a
 * pod, and what a controller authenticates with when it runs as its own account.
 */
import { CreateServiceAccountTokenRequest } from '../gen/wheelhouse/core/v1/service_account_service.js';
import type { ObjectReference } from '../gen/wheelhouse/meta/v1/meta.js';
import { kinds } from '../kinds.js';
import type { ApiClient } from './dynamic-client.js';

export interface ServiceAccountToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export interface TokenRequestOptions {
  readonly expirationSeconds: number;
  /** Audiences of the token; the apiserver's own when empty. */
  readonly audiences?: readonly string[];
  /** The object whose life bounds the token's (a Pod). */
  readonly boundObjectRef?: Pick<ObjectReference, 'kind' | 'apiVersion' | 'name' | 'uid'>;
}

const serviceAccounts = kinds.find((k) => k.kind === 'ServiceAccount');

/** Asks for a token of the ServiceAccount `namespace/name`; the caller never logs it. */
export async function requestServiceAccountToken(
  api: ApiClient,
  namespace: string,
  name: string,
  opts: TokenRequestOptions,
): Promise<ServiceAccountToken> {
  if (!serviceAccounts) throw new Error('the ServiceAccount kind is not known to this client');
  const request = CreateServiceAccountTokenRequest.fromPartial({
    namespace,
    name,
    tokenRequest: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name, namespace },
      spec: {
        audiences: [...(opts.audiences ?? [])],
        expirationSeconds: String(opts.expirationSeconds),
        ...(opts.boundObjectRef ? { boundObjectRef: opts.boundObjectRef } : {}),
      },
    },
  });
  const res = (await api.call(serviceAccounts, 'createServiceAccountToken', request)) as {
    tokenRequest?: { status?: { token?: string; expirationTimestamp?: Date } };
  };
  const status = res.tokenRequest?.status;
  if (!status?.token) throw new Error('the apiserver answered the token request without a token');
  return {
    token: status.token,
    expiresAt: status.expirationTimestamp ?? new Date(Date.now() + opts.expirationSeconds * 1000),
  };
}
