/**
 * `whctl auth can-i` and `whctl auth whoami`: the apiserver's AccessReviewService, as
 * kubectl's `auth can-i` and `auth whoami`. can-i prints yes or no and exits 0 or 1, so
 * that scripts can test it.
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { connectionFor } from '../../../sdk/client/connection.js';
import type { LoadedClientConfig } from '../../../sdk/client-config.js';
import { fromServiceError } from '../../../sdk/errors.js';
import {
  AccessReviewServiceClient,
  type CheckAccessRequest,
  type CheckAccessResponse,
  type ListRulesRequest,
  type ListRulesResponse,
  type WhoAmIResponse,
} from '../../../sdk/gen/wheelhouse/authorization/v1/access_review_service.js';
import { resolveResource } from '../../../sdk/kinds.js';
import type { Command } from '../command.js';
import type { Context } from '../context.js';
import { commonFlags, parseFlags } from '../flags.js';
import { DEFAULT_NAMESPACE } from '../namespaces.js';
import { renderTable } from '../printers/table.js';
import { UsageError } from '../usage-error.js';

const CALL_TIMEOUT_MS = 30_000;

const help = `Inspect authorization.

Usage:
  whctl auth can-i VERB RESOURCE[/SUBRESOURCE] [NAME] [-n NS | -A] [--as USER [--as-group GROUP]...]
  whctl auth can-i VERB --non-resource-url PATH
  whctl auth can-i --list [-n NS] [--no-headers]   everything you may do in NS
  whctl auth whoami

Examples:
  whctl auth can-i create deployments -n team-a
  whctl auth can-i get pods/log
  whctl auth can-i update nodes node-1 --as system:node:node-1 --as-group system:nodes
  whctl auth can-i get --non-resource-url /metrics
  whctl auth whoami

Flags:
  -n, --namespace NS            namespace (default "default")
  -A, --all-namespaces          in every namespace
      --as USER                 check for another user (needs the right to review others' access)
      --as-group GROUP          that user's groups (repeatable)
      --non-resource-url PATH   an endpoint instead of a resource
  -q, --quiet                   print nothing; only the exit code answers
      --config FILE             client config
`;

const flags = {
  ...commonFlags,
  'all-namespaces': { type: 'boolean', short: 'A' },
  as: { type: 'string' },
  'as-group': { type: 'string', multiple: true },
  'non-resource-url': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  list: { type: 'boolean' },
  'no-headers': { type: 'boolean' },
} as const;

/** A client of the access reviews; acting as `impersonate` when given (the global `--as`). */
function connect(
  config: LoadedClientConfig,
  impersonate?: Context['impersonate'],
): AccessReviewServiceClient {
  const { address, credentials, options } = connectionFor(config, impersonate ? { impersonate } : {});
  return new AccessReviewServiceClient(address, credentials, options);
}

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: { deadline: number },
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

async function unary<Req, Res>(
  client: AccessReviewServiceClient,
  method: Unary<Req, Res>,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, req, new Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, res) =>
      err ? reject(fromServiceError(err)) : resolve(res),
    );
  });
}

/** `pods`, `po`, `pods/log`, `deployments.apps/scale` → group, resource and subresource. */
export function resourceOf(text: string): { group: string; resource: string; subresource: string } {
  const [name = '', subresource = ''] = text.split('/');
  const info = resolveResource(name);
  if (info) return { group: info.apiGroup, resource: info.resource, subresource };
  // Not served here (yet): checked as typed, as kubectl does for resources it cannot resolve.
  const [resource = '', group = ''] = name.split(/\.(.*)/s);
  return { group, resource, subresource };
}

export function canIRequest(
  positionals: readonly string[],
  values: {
    namespace?: string;
    'all-namespaces'?: boolean;
    as?: string;
    'as-group'?: string[];
    'non-resource-url'?: string;
  },
): CheckAccessRequest {
  const [verb, resourceText, name = '', ...rest] = positionals;
  if (!verb) throw new UsageError('you must specify a verb: whctl auth can-i VERB RESOURCE');
  const url = values['non-resource-url'];
  const subject =
    values.as !== undefined || (values['as-group'] ?? []).length > 0
      ? { username: values.as ?? '', uid: '', groups: values['as-group'] ?? [], extra: {} }
      : undefined;
  if (url !== undefined) {
    if (resourceText !== undefined)
      throw new UsageError('give either a resource or --non-resource-url, not both');
    return {
      attributes: { $case: 'nonResourceAttributes', value: { verb, path: url } },
      ...(subject ? { subject } : {}),
    };
  }
  if (!resourceText) throw new UsageError('you must specify a resource: whctl auth can-i VERB RESOURCE');
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const { group, resource, subresource } = resourceOf(resourceText);
  const namespace = values['all-namespaces'] ? '' : (values.namespace ?? DEFAULT_NAMESPACE);
  return {
    attributes: {
      $case: 'resourceAttributes',
      value: { namespace, verb, group, version: '', resource, subresource, name },
    },
    ...(subject ? { subject } : {}),
  };
}

async function canI(args: readonly string[], ctx: Parameters<Command['run']>[1]): Promise<number> {
  const { values, positionals } = parseFlags(args, flags);
  if (values.list) return listRules(positionals, values, ctx);
  const request = canIRequest(positionals, values);
  const client = connect(ctx.config(values.config));
  try {
    const res = await unary<CheckAccessRequest, CheckAccessResponse>(client, client.checkAccess, request);
    if (!values.quiet) {
      ctx.io.write(`${res.allowed ? 'yes' : 'no'}\n`);
      if (res.evaluationError) ctx.io.writeError(`warning: ${res.evaluationError}\n`);
    }
    return res.allowed ? 0 : 1;
  } finally {
    client.close();
  }
}

/**
 * `can-i --list`: what the caller may do in the namespace, as kubectl prints a
 * SelfSubjectRulesReview: one row per resource (`resource.group`) and set of names with
 * every verb allowed on it, then one row per non-resource URL.
 */
async function listRules(
  positionals: readonly string[],
  values: { namespace?: string; config?: string; 'no-headers'?: boolean; as?: string; 'as-group'?: string[] },
  ctx: Parameters<Command['run']>[1],
): Promise<number> {
  if (positionals.length > 0)
    throw new UsageError(`--list takes no arguments, got: ${positionals.join(' ')}`);
  if (values.as !== undefined || (values['as-group'] ?? []).length > 0) {
    throw new UsageError('--list lists only your own rules: it cannot be combined with --as or --as-group');
  }
  const client = connect(ctx.config(values.config));
  try {
    const res = await unary<ListRulesRequest, ListRulesResponse>(client, client.listRules, {
      namespace: values.namespace ?? DEFAULT_NAMESPACE,
    });
    ctx.io.write(renderTable(rulesTable(res, !values['no-headers'])));
    if (res.evaluationError) ctx.io.writeError(`warning: ${res.evaluationError}\n`);
    return 0;
  } finally {
    client.close();
  }
}

const bracket = (values: Iterable<string>) => `[${[...values].join(' ')}]`;

/** kubectl's can-i --list table, rules merged by resource and names, sorted by resource. */
export function rulesTable(res: ListRulesResponse, headers = true): string[][] {
  const rows = new Map<string, { resource: string; names: string; verbs: Set<string> }>();
  for (const rule of res.resourceRules) {
    for (const group of rule.apiGroups.length > 0 ? rule.apiGroups : ['']) {
      for (const resource of rule.resources) {
        const shown = group === '' ? resource : `${resource}.${group}`;
        const names = bracket(rule.resourceNames);
        const key = `${shown}\0${names}`;
        const row = rows.get(key) ?? { resource: shown, names, verbs: new Set<string>() };
        for (const verb of rule.verbs) row.verbs.add(verb);
        rows.set(key, row);
      }
    }
  }
  const urls = new Map<string, Set<string>>();
  for (const rule of res.nonResourceRules) {
    for (const url of rule.nonResourceUrls) {
      const verbs = urls.get(url) ?? new Set<string>();
      for (const verb of rule.verbs) verbs.add(verb);
      urls.set(url, verbs);
    }
  }
  const table: string[][] = headers ? [['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']] : [];
  for (const row of [...rows.values()].sort((a, b) => a.resource.localeCompare(b.resource))) {
    table.push([row.resource, '[]', row.names, bracket(row.verbs)]);
  }
  for (const [url, verbs] of [...urls].sort(([a], [b]) => a.localeCompare(b))) {
    table.push(['', `[${url}]`, '[]', bracket(verbs)]);
  }
  return table;
}

async function whoami(args: readonly string[], ctx: Parameters<Command['run']>[1]): Promise<number> {
  const { values, positionals } = parseFlags(args, { config: commonFlags.config, help: commonFlags.help });
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  // As kubectl: with the global --as, the review names the user acted as.
  const client = connect(ctx.config(values.config), ctx.impersonate);
  try {
    const res = await unary<object, WhoAmIResponse>(client, client.whoAmI, {});
    const user = res.userInfo;
    const rows: [string, string][] = [
      ['Username', user?.username ?? ''],
      ...(user?.uid ? [['UID', user.uid] as [string, string]] : []),
      ['Groups', `[${(user?.groups ?? []).join(' ')}]`],
      ...Object.entries(user?.extra ?? {}).map(
        ([k, v]) => [`Extra: ${k}`, `[${v.values.join(' ')}]`] as [string, string],
      ),
    ];
    const width = Math.max('ATTRIBUTE'.length, ...rows.map(([k]) => k.length));
    ctx.io.write(`${'ATTRIBUTE'.padEnd(width)}   VALUE\n`);
    for (const [k, v] of rows) ctx.io.write(`${k.padEnd(width)}   ${v}\n`);
    return 0;
  } finally {
    client.close();
  }
}

export const authCommand: Command = {
  summary: 'Inspect authorization (can-i, whoami)',
  help,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === 'can-i') return canI(rest, ctx);
    if (sub === 'whoami') return whoami(rest, ctx);
    throw new UsageError(
      sub === undefined
        ? 'whctl auth needs a subcommand: can-i or whoami'
        : `unknown subcommand "${sub}" for "whctl auth"`,
    );
  },
};
