/**
 * Who may read the apiserver's /metrics, as in kube-apiserver: the request is
 * authenticated like any call (a client certificate of --client-ca-file, a bearer token;
 * anonymous only with --anonymous-auth) and must be allowed `get` on the non-resource URL
 * `/metrics` (the bootstrap ClusterRole `system:monitoring` grants it to the group of that
 * name; system:masters has everything).
 */
import { ApiError } from '../sdk/errors.js';
import type { MetricsAuthorizer } from '../sdk/server/index.js';
import type { createAuthenticator } from './auth/authenticate.js';
import type { AccessAuthorizer } from './auth/authorization-modes.js';

export function apiserverMetricsAuthorizer(
  authenticate: ReturnType<typeof createAuthenticator>,
  authorizer: AccessAuthorizer,
): MetricsAuthorizer {
  return async ({ certificate, authorization }) => {
    let user: Awaited<ReturnType<typeof authenticate>>;
    try {
      user = await authenticate(certificate, authorization);
    } catch (err) {
      return {
        allowed: false,
        status: 401,
        reason: err instanceof ApiError ? err.message : 'authentication failed',
      };
    }
    const decision = authorizer.authorizeNonResource(user, 'get', '/metrics');
    if (decision.allowed) return { allowed: true, user: user.name };
    return {
      allowed: false,
      status: 403,
      reason: `forbidden: user "${user.name}" cannot get path "/metrics"`,
    };
  };
}
