/**
 * A controller under its own identity, as kube-controller-manager's
 * `--use-service-account-credentials` runs each: the ServiceAccount named after it in
 * kube-system (created with the manager's own credentials when missing), a token for it
 * from the TokenRequest API, renewed once 80 % of its life has passed, and clients that
 * send the current token on every call. The controller's reads and writes through those
 * clients are then authorized by its own `system:controller:<account>` role alone
 * (apiserver/auth/rbac/controller-roles.ts), and audited under its name.
 *
 * What stays with the manager's identity: the shared informers (one watch per kind for
 * every controller, as Kubernetes' shared informers use the manager's client), the Event
 * recorder, and leader election.
 */

import { Backoff, sleep } from '../sdk/backoff.js';
import { requestServiceAccountToken, type ServiceAccountToken } from '../sdk/client/service-account-token.js';
import type { Clientset } from '../sdk/client/typed-client.js';
import type { ComponentContext } from '../sdk/component/index.js';
import { ApiError, Code } from '../sdk/errors.js';
import { ServiceAccount } from '../sdk/gen/wheelhouse/core/v1/service_account.js';

/** Where the controllers' ServiceAccounts live, as in Kubernetes. */
export const CONTROLLER_ACCOUNTS_NAMESPACE = 'kube-system';

export interface ServiceAccountCredentialsOptions {
  /** Lifetime asked of each token (default one hour, as client-go's token source asks). */
  readonly expirationSeconds?: number;
  /** First retry of a failed request or renewal (default 1 s, doubling to 30 s). */
  readonly retryInitialMs?: number;
}

/**
 * Clients acting as the ServiceAccount `account`: resolves once it has a first token,
 * retrying (with backoff) while the apiserver refuses or cannot be reached, until
 * `ctx.signal` aborts. The token is renewed until then, and the clients closed.
 */
export async function serviceAccountClients(
  ctx: ComponentContext,
  account: string,
  opts: ServiceAccountCredentialsOptions = {},
): Promise<Clientset> {
  const expirationSeconds = opts.expirationSeconds ?? 3600;
  const backoff = new Backoff({ initialMs: opts.retryInitialMs ?? 1_000, maxMs: 30_000 });
  const log = ctx.logger.child({ serviceAccount: `${CONTROLLER_ACCOUNTS_NAMESPACE}/${account}` });

  const fetchToken = async (): Promise<ServiceAccountToken> => {
    await ensureServiceAccount(ctx.clients, account);
    return requestServiceAccountToken(ctx.clients.api, CONTROLLER_ACCOUNTS_NAMESPACE, account, {
      expirationSeconds,
    });
  };
  /** A token, retried until one comes or the signal aborts (then undefined). */
  const tokenWithRetries = async (): Promise<ServiceAccountToken | undefined> => {
    for (;;) {
      try {
        const got = await fetchToken();
        backoff.reset();
        return got;
      } catch (err) {
        if (ctx.signal.aborted) return undefined;
        const retryInMs = backoff.next();
        log.warn({ err, retryInMs }, 'cannot get a token for the controller; retrying');
        await sleep(retryInMs, ctx.signal);
        if (ctx.signal.aborted) return undefined;
      }
    }
  };

  let current = await tokenWithRetries();
  if (current === undefined) throw new ApiError(Code.CANCELLED, `stopped before ${account} had a token`);
  const clients = ctx.clientsWithToken(() => (current as ServiceAccountToken).token);
  log.info({ expiresAt: current.expiresAt }, 'controller runs as its service account');

  // Renewal: at 80 % of the token's life, as the kubelet renews projected tokens; a renewal
  // that fails is retried while the old token still serves.
  void (async () => {
    while (!ctx.signal.aborted) {
      const now = Date.now();
      const issuedFor = Math.max(0, (current as ServiceAccountToken).expiresAt.getTime() - now);
      await sleep(Math.max(1_000, issuedFor * 0.8), ctx.signal);
      if (ctx.signal.aborted) break;
      const renewed = await tokenWithRetries();
      if (renewed !== undefined) current = renewed;
    }
    clients.close();
  })();
  return clients;
}

/** Creates the ServiceAccount unless it exists. */
async function ensureServiceAccount(clients: Clientset, name: string): Promise<void> {
  const accounts = clients.kind<ServiceAccount>('ServiceAccount');
  try {
    await accounts.get(CONTROLLER_ACCOUNTS_NAMESPACE, name);
    return;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === Code.NOT_FOUND)) throw err;
  }
  try {
    await accounts.create(
      ServiceAccount.fromPartial({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name, namespace: CONTROLLER_ACCOUNTS_NAMESPACE },
      }),
    );
  } catch (err) {
    if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
  }
}
