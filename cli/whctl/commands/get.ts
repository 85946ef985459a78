/**
 * `whctl get`: objects as a table (the kind's kubectl columns), `-o wide`,
 * `-o yaml|json` (re-appliable manifests), `-o name`; `-w` then streams changes
 * as rows until Ctrl-C.
 */

import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { WatchEventType } from '../../../sdk/client/dynamic-client.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { toJson, toYaml } from '../../../sdk/manifest/index.js';
import type { Command } from '../command.js';
import type { Context } from '../context.js';
import { commonFlags, parseFlags } from '../flags.js';
import { DEFAULT_NAMESPACE } from '../namespaces.js';
import { type TableOptions, TableWriter, tableHeader, tableRow } from '../printers/index.js';
import { formatError } from '../report-error.js';
import { objectLabel, parseResourceArgs, type ResourceRequest } from '../resources.js';
import { UsageError } from '../usage-error.js';

const flags = {
  ...commonFlags,
  output: { type: 'string', short: 'o' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  selector: { type: 'string', short: 'l' },
  'field-selector': { type: 'string' },
  watch: { type: 'boolean', short: 'w' },
  'show-labels': { type: 'boolean' },
  'chunk-size': { type: 'string' },
} as const;

type Output = 'table' | 'wide' | 'yaml' | 'json' | 'name';
const OUTPUTS: readonly Output[] = ['wide', 'yaml', 'json', 'name'];

interface GetOptions {
  readonly output: Output;
  readonly namespace: string;
  readonly allNamespaces: boolean;
  readonly labelSelector: string;
  readonly fieldSelector: string;
  readonly chunkSize: number;
}

/** An object fetched, with its kind. */
interface Found {
  readonly info: KindInfo;
  readonly object: KindObject;
}

export const getCommand: Command = {
  summary: 'Display one or many resources',
  help: `Display one or many resources.

Usage:
  whctl get TYPE[,TYPE...] [NAME...] [flags]
  whctl get TYPE/NAME [TYPE/NAME...] [flags]

Examples:
  whctl get pods                       # pods in the default namespace
  whctl get pods -A -o wide            # in every namespace, with IP and node
  whctl get deploy web -o yaml         # a re-appliable manifest
  whctl get pods,deployments -l app=web
  whctl get pods -w                    # then stream changes until Ctrl-C

Flags:
  -n, --namespace NS          namespace (default "default")
  -A, --all-namespaces        list across every namespace
  -o, --output FORMAT         wide, yaml, json or name
  -l, --selector SELECTOR     label selector (app=web,tier!=db)
      --field-selector SEL    field selector (status.phase=Running)
  -w, --watch                 after listing, watch for changes
      --show-labels           add a LABELS column
      --chunk-size N          list in pages of N objects (default 500)
      --config FILE           client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const output = outputOf(values.output);
    const requests = parseResourceArgs(positionals);
    const named = requests.some((r) => r.names.length > 0);
    if (named && (values.selector || values['field-selector'])) {
      throw new UsageError('names cannot be given together with a selector');
    }
    if (values.watch && requests.length > 1)
      throw new UsageError('you may only watch one resource type at a time');
    const chunkSize = Number(values['chunk-size'] ?? 500);
    if (!Number.isInteger(chunkSize) || chunkSize < 0)
      throw new UsageError('--chunk-size must be a whole number');
    const opts: GetOptions = {
      output,
      namespace: values['all-namespaces'] ? '' : (values.namespace ?? DEFAULT_NAMESPACE),
      allNamespaces: values['all-namespaces'] ?? false,
      labelSelector: values.selector ?? '',
      fieldSelector: values['field-selector'] ?? '',
      chunkSize,
    };
    const client = ctx.client(values.config);

    let failed = false;
    const found: Found[][] = [];
    let listRevision = '';
    for (const request of requests) {
      try {
        const { objects, resourceVersion } = await fetch(client, request, opts);
        found.push(objects.map((object) => ({ info: request.info, object })));
        listRevision = resourceVersion;
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }

    const tableOpts = (info: KindInfo): TableOptions & { showLabels: boolean } => ({
      wide: output === 'wide',
      withNamespace: opts.allNamespaces && info.namespaced,
      withKind: requests.length > 1,
      showLabels: values['show-labels'] ?? false,
      now: ctx.io.now(),
    });
    const all = found.flat();
    const writers = new Map<KindInfo, TableWriter>();
    if (all.length === 0 && !failed && !named && (output === 'table' || output === 'wide')) {
      const namespaced = requests.some((r) => r.info.namespaced);
      ctx.io.writeError(
        opts.allNamespaces || !namespaced
          ? 'No resources found\n'
          : `No resources found in ${opts.namespace} namespace.\n`,
      );
    } else {
      printFound(ctx, found, output, named && all.length === 1, (info) => {
        const writer = writers.get(info) ?? new TableWriter();
        writers.set(info, writer);
        return { writer, options: tableOpts(info) };
      });
    }

    const [only] = requests;
    if (values.watch && only && !failed) {
      await watch(
        ctx,
        client,
        only,
        opts,
        listRevision,
        all.length === 0,
        writers.get(only.info),
        tableOpts(only.info),
      );
    }
    return failed ? 1 : 0;
  },
};

function outputOf(value: string | undefined): Output {
  if (value === undefined || value === '') return 'table';
  if ((OUTPUTS as readonly string[]).includes(value)) return value as Output;
  throw new UsageError(
    `unable to match a printer for output format "${value}"; allowed: ${OUTPUTS.join(', ')}`,
  );
}

/** Named objects one by one, or every matching object page by page. */
async function fetch(
  client: ApiClient,
  request: ResourceRequest,
  opts: GetOptions,
): Promise<{ objects: KindObject[]; resourceVersion: string }> {
  const { info } = request;
  if (request.names.length > 0) {
    const namespace = opts.allNamespaces ? DEFAULT_NAMESPACE : opts.namespace;
    const objects: KindObject[] = [];
    for (const name of request.names) objects.push(await client.get(info, namespace, name));
    // A watch of one object starts from the version just printed; of several, from now.
    const [single] = objects;
    return {
      objects,
      resourceVersion: objects.length === 1 ? (single?.metadata?.resourceVersion ?? '') : '',
    };
  }
  const objects: KindObject[] = [];
  let continueToken = '';
  let resourceVersion = '';
  do {
    const page = await client.list(info, opts.namespace, {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: String(opts.chunkSize),
      continue: continueToken,
    });
    objects.push(...page.items);
    continueToken = page.metadata?.continue ?? '';
    resourceVersion ||= page.metadata?.resourceVersion ?? '';
  } while (continueToken !== '');
  return { objects, resourceVersion };
}

type WriterFor = (info: KindInfo) => { writer: TableWriter; options: TableOptions & { showLabels: boolean } };

function printFound(
  ctx: Context,
  groups: readonly Found[][],
  output: Output,
  single: boolean,
  writerFor: WriterFor,
) {
  const all = groups.flat();
  switch (output) {
    case 'yaml':
      if (all.length > 0) ctx.io.write(toYaml(all));
      return;
    case 'json':
      ctx.io.write(toJson(all, { list: !single }));
      return;
    case 'name':
      for (const f of all) ctx.io.write(`${objectLabel(f.info, f.object.metadata?.name ?? '')}\n`);
      return;
    default: {
      let first = true;
      for (const group of groups) {
        const [head] = group;
        if (!head) continue;
        if (!first) ctx.io.write('\n');
        first = false;
        const { writer, options } = writerFor(head.info);
        const rows = [header(head.info, options), ...group.map((f) => row(f.info, f.object, options))];
        ctx.io.write(writer.render(rows));
      }
    }
  }
}

function header(info: KindInfo, options: TableOptions & { showLabels: boolean }): string[] {
  return [...tableHeader(info, options), ...(options.showLabels ? ['LABELS'] : [])];
}

function row(info: KindInfo, object: KindObject, options: TableOptions & { showLabels: boolean }): string[] {
  const labels = Object.entries(object.metadata?.labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [...tableRow(info, object, options), ...(options.showLabels ? [labels || '<none>'] : [])];
}

/**
 * Streams changes after the listing until Ctrl-C. Named objects are watched
 * through a `metadata.name` field selector, as kubectl does.
 */
async function watch(
  ctx: Context,
  client: ApiClient,
  request: ResourceRequest,
  opts: GetOptions,
  fromRevision: string,
  headerPending: boolean,
  existing: TableWriter | undefined,
  options: TableOptions & { showLabels: boolean },
): Promise<void> {
  const { info } = request;
  const names = new Set(request.names);
  const writer = existing ?? new TableWriter();
  let needHeader = headerPending && (opts.output === 'table' || opts.output === 'wide');
  const fieldSelector = request.names.length === 1 ? `metadata.name=${request.names[0]}` : opts.fieldSelector;
  const namespace = request.names.length > 0 && opts.allNamespaces ? DEFAULT_NAMESPACE : opts.namespace;
  const events = client.watch(
    info,
    namespace,
    { labelSelector: opts.labelSelector, fieldSelector, resourceVersion: fromRevision },
    ctx.io.signal,
  );
  for await (const event of events) {
    if (event.type === WatchEventType.WATCH_EVENT_TYPE_BOOKMARK || !event.object) continue;
    if (names.size > 1 && !names.has(event.object.metadata?.name ?? '')) continue;
    const found = [[{ info, object: event.object }]];
    if (opts.output === 'table' || opts.output === 'wide') {
      const rows = [row(info, event.object, { ...options, now: ctx.io.now() })];
      if (needHeader) rows.unshift(header(info, options));
      needHeader = false;
      ctx.io.write(writer.render(rows));
    } else {
      if (opts.output === 'yaml') ctx.io.write('---\n');
      printFound(ctx, found, opts.output, true, () => ({ writer, options }));
    }
  }
}
