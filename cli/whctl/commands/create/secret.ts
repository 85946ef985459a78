/**
 * `whctl create secret generic|tls|docker-registry NAME ...`: an Opaque secret from
 * literals and files, a TLS secret from a certificate and key, or the registry
 * credentials kubelets pull with (`.dockerconfigjson`).
 */
import type { JsonObject } from '../../../../sdk/manifest/decode.js';
import type { Command } from '../../command.js';
import { UsageError } from '../../usage-error.js';
import { DATA_SOURCE_HELP, dataSourceFlags, gatherData } from './data-sources.js';
import { type Generator, type GeneratorInput, generatorCommand, stringOf } from './generator.js';

const secret = (name: string, type: string, data: Map<string, Buffer>): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  type,
  data: Object.fromEntries([...data].map(([k, v]) => [k, v.toString('base64')])),
});

function required(input: GeneratorInput, flag: string): string {
  const value = stringOf(input.values[flag]);
  if (value === undefined || value === '') throw new UsageError(`required flag(s) "${flag}" not set`);
  return value;
}

const generic: Generator = {
  kind: 'Secret',
  summary: 'Create a secret from a local file, directory, or literal value',
  usage: `Usage:
  whctl create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1]

Flags:
${DATA_SOURCE_HELP}      --type TYPE                the secret's type (default Opaque)
`,
  flags: { ...dataSourceFlags, type: { type: 'string' } },
  build: (input) =>
    secret(
      input.name,
      stringOf(input.values.type) ?? 'Opaque',
      gatherData(input.values, input.cwd, input.readFile),
    ),
};

const tls: Generator = {
  kind: 'Secret',
  summary: 'Create a TLS secret from a certificate and its key',
  usage: `Usage:
  whctl create secret tls NAME --cert=path/to/cert/file --key=path/to/key/file

Flags:
      --cert PATH    the PEM certificate (chain)
      --key PATH     the PEM private key of the certificate
`,
  flags: { cert: { type: 'string' }, key: { type: 'string' } },
  build(input) {
    const cert = input.readFile(required(input, 'cert'));
    const key = input.readFile(required(input, 'key'));
    if (!cert.toString().includes('-----BEGIN CERTIFICATE-----')) {
      throw new UsageError('failed to load key pair: the --cert file holds no PEM certificate');
    }
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString())) {
      throw new UsageError('failed to load key pair: the --key file holds no PEM private key');
    }
    return secret(
      input.name,
      'kubernetes.io/tls',
      new Map([
        ['tls.crt', cert],
        ['tls.key', key],
      ]),
    );
  },
};

const dockerRegistry: Generator = {
  kind: 'Secret',
  summary: 'Create a secret for use with a container registry',
  usage: `Usage:
  whctl create secret docker-registry NAME --docker-username=user --docker-password=password [--docker-server=string] [--docker-email=string]

Flags:
      --docker-server URL      the registry (default https://index.docker.io/v1/)
      --docker-username USER   the user name
      --docker-password PASS   the password
      --docker-email EMAIL     an e-mail address, if the registry wants one
`,
  flags: {
    'docker-server': { type: 'string' },
    'docker-username': { type: 'string' },
    'docker-password': { type: 'string' },
    'docker-email': { type: 'string' },
  },
  build(input) {
    const username = required(input, 'docker-username');
    const password = required(input, 'docker-password');
    const server = stringOf(input.values['docker-server']) ?? 'https://index.docker.io/v1/';
    const email = stringOf(input.values['docker-email']);
    const auths = {
      [server]: {
        username,
        password,
        ...(email ? { email } : {}),
        auth: Buffer.from(`${username}:${password}`).toString('base64'),
      },
    };
    return secret(
      input.name,
      'kubernetes.io/dockerconfigjson',
      new Map([['.dockerconfigjson', Buffer.from(JSON.stringify({ auths }))]]),
    );
  },
};

const forms: Readonly<Record<string, Command>> = {
  generic: generatorCommand(generic),
  tls: generatorCommand(tls),
  'docker-registry': generatorCommand(dockerRegistry),
};

export const createSecretCommand: Command = {
  summary: 'Create a secret (generic, tls or docker-registry)',
  help: `Create a secret.

Usage:
  whctl create secret generic NAME [--from-literal=k=v] [--from-file=[k=]path] [--type=T]
  whctl create secret tls NAME --cert=PATH --key=PATH
  whctl create secret docker-registry NAME --docker-username=U --docker-password=P [--docker-server=URL]

Run "whctl create secret FORM --help" for a form's flags.
`,
  helpFor(args) {
    const command = args[0] === undefined ? undefined : forms[args[0]];
    return command?.help;
  },
  async run(args, ctx) {
    const [form, ...rest] = args;
    const command = form === undefined ? undefined : forms[form];
    if (!command) {
      if (form === '--help' || form === '-h') {
        ctx.io.write(this.help);
        return 0;
      }
      throw new UsageError(
        `${form === undefined ? 'a form is required' : `unknown form "${form}"`}: create secret generic|tls|docker-registry NAME`,
      );
    }
    return command.run(rest, ctx);
  },
};
