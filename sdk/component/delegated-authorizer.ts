/**
 * Who may read a component's /metrics, decided as Kubernetes' components decide it
 * (delegated authentication and authorization): the client certificate is verified
 * against the cluster's client CA here, and the apiserver is asked whether that user
 * may `get` the non-resource URL `/metrics` (an access review for another subject,
 * which the component identities' bootstrap roles allow). Decisions are cached briefly,
 * so a scraper costs the apiserver one review every few seconds, not one per scrape.
 */
import { Metadata } from '@grpc/grpc-js';
import type { AccessReviewServiceClient } from '../gen/wheelhouse/authorization/v1/access_review_service.js';
import { CheckAccessRequest } from '../gen/wheelhouse/authorization/v1/access_review_service.js';
import type { ClientCertificateVerifier } from '../pki/client-certificates.js';
import type { MetricsAuthorizer, MetricsDecision } from '../server/metrics-endpoint.js';

const cacheMs = 10_000;
const reviewTimeoutMs = 5_000;

export function delegatedMetricsAuthorizer(
  verifier: ClientCertificateVerifier,
  reviews: Pick<AccessReviewServiceClient, 'checkAccess'>,
): MetricsAuthorizer {
  const decided = new Map<string, { decision: MetricsDecision; at: number }>();

  const review = (username: string, groups: string[]) =>
    new Promise<boolean>((resolve, reject) => {
      const request = CheckAccessRequest.fromPartial({
        attributes: { $case: 'nonResourceAttributes', value: { path: '/metrics', verb: 'get' } },
        subject: { username, groups },
      });
      reviews.checkAccess(request, new Metadata(), { deadline: Date.now() + reviewTimeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res?.allowed === true),
      );
    });

  return async ({ certificate }) => {
    let identity: ReturnType<ClientCertificateVerifier['verify']>;
    try {
      identity = verifier.verify(certificate);
    } catch (err) {
      return {
        allowed: false,
        status: 401,
        reason: err instanceof Error ? err.message : 'invalid client certificate',
      };
    }
    if (identity === undefined) {
      return {
        allowed: false,
        status: 401,
        reason: 'a client certificate signed by the cluster CA is required',
      };
    }
    const groups = [...identity.organizations, 'system:authenticated'];
    const key = `${identity.commonName}\0${groups.join('\0')}`;
    const cached = decided.get(key);
    if (cached && Date.now() - cached.at < cacheMs) return cached.decision;
    const decision: MetricsDecision = (await review(identity.commonName, groups))
      ? { allowed: true, user: identity.commonName }
      : {
          allowed: false,
          status: 403,
          reason: `forbidden: user "${identity.commonName}" cannot get path "/metrics"`,
        };
    if (decided.size > 1024) decided.clear();
    decided.set(key, { decision, at: Date.now() });
    return decision;
  };
}
