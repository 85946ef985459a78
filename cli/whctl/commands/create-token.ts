/**
 * `whctl create token NAME`: asks the apiserver for a short-lived token of a
 * ServiceAccount (CreateServiceAccountToken, Kubernetes' TokenRequest) and prints
 * it, alone on its line, so that `TOKEN=$(whctl create token robot)` works.
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { connectionFor } from '../../../sdk/client/dynamic-client.js';
import { fromServiceError } from '../../../sdk/errors.js';
import {
  CreateServiceAccountTokenRequest,
  type CreateServiceAccountTokenResponse,
  ServiceAccountServiceClient,
} from '../../../sdk/gen/wheelhouse/core/v1/service_account_service.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { UsageError } from '../usage-error.js';

const CALL_TIMEOUT_MS = 30_000;

/** `1h`, `30m`, `1h30m`, `90s` (Go's duration syntax, as kubectl takes it) → seconds; `0s` is the server's default. */
export function parseTokenDuration(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') {
    throw new UsageError(`invalid --duration "${text}": use e.g. 10m, 1h or 1h30m`);
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export const createTokenCommand: Command = {
  summary: 'Request a service account token',
  help: `Request a token to authenticate to the apiserver as a ServiceAccount, and print it.

Usage:
  whctl create token SERVICE_ACCOUNT_NAME [flags]

Flags:
  -n, --namespace NS      the ServiceAccount's namespace (default "default")
      --duration D        requested lifetime, e.g. 10m, 1h, 48h (default: the server's, 1h);
                          at least 10m, and the server may shorten it (at most 48h)
      --audience AUD      an audience of the token (repeatable; default: the apiserver)
      --config FILE       client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, {
      config: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      duration: { type: 'string' },
      audience: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    });
    const [name, ...extra] = positionals;
    if (name === undefined)
      throw new UsageError('a ServiceAccount name is required: whctl create token NAME');
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const seconds = values.duration === undefined ? 0 : parseTokenDuration(values.duration);

    const connection = connectionFor(ctx.config(values.config));
    const client = new ServiceAccountServiceClient(
      connection.address,
      connection.credentials,
      connection.options,
    );
    try {
      const request = CreateServiceAccountTokenRequest.fromPartial({
        namespace: values.namespace ?? 'default',
        name,
        tokenRequest: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: values.audience ?? [],
            ...(seconds > 0 ? { expirationSeconds: String(seconds) } : {}),
          },
        },
      });
      const response = await new Promise<CreateServiceAccountTokenResponse>((resolve, reject) => {
        client.createServiceAccountToken(
          request,
          new Metadata(),
          { deadline: Date.now() + CALL_TIMEOUT_MS },
          (err: ServiceError | null, res?: CreateServiceAccountTokenResponse) => {
            if (err) reject(fromServiceError(err));
            else if (res) resolve(res);
            else reject(new Error('the server answered without a response'));
          },
        );
      });
      const token = response.tokenRequest?.status?.token ?? '';
      if (token === '') throw new Error('the server answered without a token');
      ctx.io.write(`${token}\n`);
      return 0;
    } finally {
      client.close();
    }
  },
};
