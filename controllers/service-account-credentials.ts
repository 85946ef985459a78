/**
 * A controller under its own identity, as kube-controller-manager's
 * `--use-service-account-credentials` runs each: the ServiceAccount named after it in
 * kube-system (created with the manager's own credentials when missing), a token for it
 * from the TokenRequest API, renewed once 80 % of its life has passed (or at once when
 * the account was deleted or recreated: a token is bound to its account's uid), and
 * clients that send the current token on every call. The controller's reads and writes through those
 * clients are then authorized by its own `system:controller:<account>` role alone
 * (apiserver/auth/rbac/controller-roles.ts), and audited under its name.
 *
 * What stays with the manager's identity: the shared informers (one watch per kind for
 * every controller, as Kubernetes' shared informers use the manager's client), the Event
 * recorder, and leader election.
 */

import { Backoff, sleep } from '../sdk/backoff.js';
import { requestServiceAccountToken } from '../sdk/client/service-account-token.js';
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
  /**
   * How often the account is looked at between renewals (default one minute): a token
   * is bound to its account's uid, so one deleted or recreated since takes a new token
   * at once rather than at the next renewal.
   */
  readonly checkEveryMs?: number;
}

/** A token, the uid of the account it was issued for, and when to renew it. */
interface Issued {
  readonly token: string;
  readonly expiresAt: Date;
  readonly accountUid: string;
  readonly renewAt: number;
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

  const checkEveryMs = opts.checkEveryMs ?? 60_000;
  const accounts = ctx.clients.kind<ServiceAccount>('ServiceAccount');

  const fetchToken = async (): Promise<Issued> => {
    const accountUid = await ensureServiceAccount(ctx.clients, account);
    const { token, expiresAt } = await requestServiceAccountToken(
      ctx.clients.api,
      CONTROLLER_ACCOUNTS_NAMESPACE,
      account,
      { expirationSeconds },
    );
    // At 80 % of its life, as the kubelet renews projected tokens.
    const renewAt = Date.now() + 0.8 * Math.max(0, expiresAt.getTime() - Date.now());
    return { token, expiresAt, accountUid, renewAt };
  };
  /** A token, retried until one comes or the signal aborts (then undefined). */
  const tokenWithRetries = async (): Promise<Issued | undefined> => {
    for (;;) {
      try {
        const got = await fetchToken();
        backoff.reset();
        return got;
      } catch (err) {
        if (ctx.signal.aborted) return undefined;
        // An apiserver that issues no tokens never will: say so rather than wait forever.
        if (err instanceof ApiError && err.code === Code.UNIMPLEMENTED) {
          throw new ApiError(
            Code.FAILED_PRECONDITION,
            `--use-service-account-credentials: the apiserver issues no service account tokens (${err.message})`,
          );
        }
        const retryInMs = backoff.next();
        log.warn({ err, retryInMs }, 'cannot get a token for the controller; retrying');
        await sleep(retryInMs, ctx.signal);
        if (ctx.signal.aborted) return undefined;
      }
    }
  };
  /** Whether the account is still the one `issued` was for (a read that fails otherwise than NOT_FOUND counts as yes). */
  const sameAccount = async (issued: Issued): Promise<boolean> => {
    try {
      return (await accounts.get(CONTROLLER_ACCOUNTS_NAMESPACE, account)).metadata?.uid === issued.accountUid;
    } catch (err) {
      return !(err instanceof ApiError && err.code === Code.NOT_FOUND);
    }
  };

  const first = await tokenWithRetries();
  if (first === undefined) throw new ApiError(Code.CANCELLED, `stopped before ${account} had a token`);
  let current: Issued = first;
  const clients = ctx.clientsWithToken(() => current.token);
  log.info({ expiresAt: current.expiresAt }, 'controller runs as its service account');

  // Renewal when due, or at once when the account was deleted or replaced; a renewal that
  // fails is retried while the old token still serves.
  void (async () => {
    while (!ctx.signal.aborted) {
      await sleep(Math.max(100, Math.min(checkEveryMs, current.renewAt - Date.now())), ctx.signal);
      if (ctx.signal.aborted) break;
      if (Date.now() < current.renewAt) {
        if (await sameAccount(current)) continue;
        log.warn('the service account was deleted or replaced; asking for a new token');
      }
      try {
        const renewed = await tokenWithRetries();
        if (renewed !== undefined) current = renewed;
      } catch (err) {
        // The apiserver stopped issuing tokens: the old one serves while it lasts.
        log.error({ err, retryInMs: checkEveryMs }, 'cannot renew the controller token');
        await sleep(checkEveryMs, ctx.signal);
      }
    }
    clients.close();
  })();
  return clients;
}

/** Creates the ServiceAccount unless it exists; resolves with its uid. */
async function ensureServiceAccount(clients: Clientset, name: string): Promise<string> {
  const accounts = clients.kind<ServiceAccount>('ServiceAccount');
  try {
    return (await accounts.get(CONTROLLER_ACCOUNTS_NAMESPACE, name)).metadata?.uid ?? '';
  } catch (err) {
    if (!(err instanceof ApiError && err.code === Code.NOT_FOUND)) throw err;
  }
  try {
    const created = await accounts.create(
      ServiceAccount.fromPartial({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name, namespace: CONTROLLER_ACCOUNTS_NAMESPACE },
      }),
    );
    return created.metadata?.uid ?? '';
  } catch (err) {
    if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
    // Created meanwhile by another manager starting.
    return (await accounts.get(CONTROLLER_ACCOUNTS_NAMESPACE, name)).metadata?.uid ?? '';
  }
}
