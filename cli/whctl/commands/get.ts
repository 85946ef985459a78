/**
 * `whctl get`: objects as a table (the kind's kubectl columns), `-o wide`,
 * `-o yaml|json` (re-appliable manifests), `-o name`, `-o jsonpath=…` and
 * `-o custom-columns=…` over the objects' JSON as `-o json` prints it; `-w`
 * then streams changes as rows until Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';

import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { WatchEventType } from '../../../sdk/client/dynamic-client.js';
import { ApiError, Code } from '../../../sdk/errors.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { Quantity } from '../../../sdk/quantity.js';
import type { Command } from '../command.js';
import type { Context } from '../context.js';
import {
  type CustomColumn,
  customColumnsHeader,
  customColumnsRow,
  parseCustomColumns,
  parseCustomColumnsFile,
} from '../custom-columns.js';
import { commonFlags, parseFlags } from '../flags.js';
import { type JsonPath, parseJsonPath, relaxedJsonPath } from '../jsonpath.js';
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
  'sort-by': { type: 'string' },
  'label-columns': { type: 'string', short: 'L', multiple: true },
  'no-headers': { type: 'boolean' },
  'ignore-not-found': { type: 'boolean' },
  'show-kind': { type: 'boolean' },
  'output-watch-events': { type: 'boolean' },
  'watch-only': { type: 'boolean' },
  'show-managed-fields': { type: 'boolean' },
} as const;

type Format = 'table' | 'wide' | 'yaml' | 'json' | 'name' | 'jsonpath' | 'custom-columns';
const OUTPUTS = [
  'wide',
  'yaml',
  'json',
  'name',
  'jsonpath=',
  'jsonpath-file=',
  'custom-columns=',
  'custom-columns-file=',
];

/** What -o asked for, with its template parsed once. */
interface Output {
  readonly format: Format;
  readonly jsonPath?: JsonPath;
  readonly columns?: readonly CustomColumn[];
  /** Keep metadata.managedFields in JSON and YAML (--show-managed-fields); kubectl leaves them out. */
  readonly showManagedFields?: boolean;
}

/** How rows of a table are laid out, beyond the kind's own columns. */
interface RowOptions extends TableOptions {
  readonly showLabels: boolean;
  readonly labelColumns: readonly string[];
  readonly columns?: readonly CustomColumn[];
  /** The EVENT column of --output-watch-events. */
  readonly withEvent: boolean;
}

interface GetOptions {
  readonly output: Output;
  readonly namespace: string;
  readonly allNamespaces: boolean;
  readonly labelSelector: string;
  readonly fieldSelector: string;
  readonly chunkSize: number;
}

/**
 * The manifest codec (encode.ts walks the API's descriptor set, ~100 ms to load), loaded
 * only for the outputs that print objects' JSON: a table or names need none of it.
 */
type Codec = typeof import('../../../sdk/manifest/encode.js') &
  typeof import('../../../sdk/manifest/print.js');
let loadedCodec: Codec | undefined;

async function loadCodec(): Promise<void> {
  const [encode, print] = await Promise.all([
    import('../../../sdk/manifest/encode.js'),
    import('../../../sdk/manifest/print.js'),
  ]);
  loadedCodec = { ...encode, ...print };
}

function codec(): Codec {
  if (!loadedCodec) throw new Error('the manifest codec is used before it is loaded (loadCodec)');
  return loadedCodec;
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
  whctl get all [-n NS | -A]          pods, services, daemon sets, deployments, replica sets,
                                      stateful sets, horizontal pod autoscalers, cron jobs, jobs

Examples:
  whctl get pods                       # pods in the default namespace
  whctl get pods -A -o wide            # in every namespace, with IP and node
  whctl get deploy web -o yaml         # a re-appliable manifest
  whctl get pods,deployments -l app=web
  whctl get pods -w                    # then stream changes until Ctrl-C

  whctl get pods -o jsonpath='{range .items[*]}{.metadata.name}{"\\t"}{.spec.nodeName}{"\\n"}{end}'
  whctl get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName
  whctl get pods --sort-by=.metadata.creationTimestamp -L app

Flags:
  -n, --namespace NS          namespace (default "default")
  -A, --all-namespaces        list across every namespace
  -o, --output FORMAT         wide, yaml, json, name, jsonpath=TEMPLATE, jsonpath-file=FILE,
                              custom-columns=HEADER:PATH,..., custom-columns-file=FILE
                              (go-template is not supported: use jsonpath)
  -l, --selector SELECTOR     label selector (app=web,tier!=db)
      --field-selector SEL    field selector (status.phase=Running)
  -w, --watch                 after listing, watch for changes
      --show-labels           add a LABELS column
      --show-managed-fields   keep metadata.managedFields in JSON and YAML output
      --chunk-size N          list in pages of N objects (default 500)
      --sort-by PATH          sort by a JSONPath (.metadata.name); numbers, quantities and times compare as such
  -L, --label-columns KEYS    a column for each label key (-L app,tier or -L app -L tier)
      --no-headers            print no header line
      --ignore-not-found      a named object that does not exist is not an error
      --show-kind             names as kind/name (always with several kinds)
      --output-watch-events   with -w: an EVENT column, or {"type","object"} with -o json|yaml
      --watch-only            with -w: print only changes, not the current list
      --config FILE           client config file
      --context NAME          the client config's context to use
      --as USER               act as USER (the caller must be allowed to impersonate it)
      --as-group GROUP        and as a member of GROUP (repeatable; needs --as)
  -v LEVEL                    log verbosity (6 and above: each API call with its latency)
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const output = {
      ...outputOf(values.output, ctx.io.cwd),
      showManagedFields: values['show-managed-fields'] ?? false,
    };
    const sortBy = values['sort-by'] ? sortPathOf(values['sort-by']) : undefined;
    if (sortBy || !['table', 'wide', 'name'].includes(output.format)) await loadCodec();
    if ((values['watch-only'] || values['output-watch-events']) && !values.watch && !values['watch-only'])
      throw new UsageError('--output-watch-events needs -w/--watch');
    const watching = values.watch || values['watch-only'];
    const requests = parseResourceArgs(expandAll(positionals));
    const named = requests.some((r) => r.names.length > 0);
    if (named && (values.selector || values['field-selector'])) {
      throw new UsageError('names cannot be given together with a selector');
    }
    if (watching && requests.length > 1)
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
        const { objects, resourceVersion } = await fetch(
          client,
          request,
          opts,
          values['ignore-not-found'] ?? false,
        );
        const group = objects.map((object) => ({ info: request.info, object }));
        found.push(sortBy ? sortFound(group, sortBy) : group);
        listRevision = resourceVersion;
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }

    const tableOpts = (info: KindInfo): RowOptions => ({
      wide: output.format === 'wide',
      withNamespace: opts.allNamespaces && info.namespaced,
      withKind: requests.length > 1 || (values['show-kind'] ?? false),
      showLabels: values['show-labels'] ?? false,
      labelColumns: (values['label-columns'] ?? []).flatMap((l) => l.split(',')).filter((l) => l !== ''),
      columns: output.columns,
      withEvent: values['output-watch-events'] ?? false,
      now: ctx.io.now(),
    });
    const noHeaders = values['no-headers'] ?? false;
    const all = found.flat();
    const writers = new Map<KindInfo, TableWriter>();
    const tabular = isTabular(output);
    if (values['watch-only']) {
      // The list only gives the revision the watch starts from.
    } else if (all.length === 0 && !failed && !named && tabular) {
      const namespaced = requests.some((r) => r.info.namespaced);
      ctx.io.writeError(
        opts.allNamespaces || !namespaced
          ? 'No resources found\n'
          : `No resources found in ${opts.namespace} namespace.\n`,
      );
    } else {
      const single =
        named && all.length === 1 && requests.every((r) => r.names.length === 1) && requests.length === 1;
      const printOpts = { noHeaders, eventType: values['output-watch-events'] ? 'ADDED' : undefined };
      printFound(ctx, found, output, single, printOpts, (info) => {
        const writer = writers.get(info) ?? new TableWriter();
        writers.set(info, writer);
        return { writer, options: tableOpts(info) };
      });
    }

    const [only] = requests;
    if (watching && only && !failed) {
      await watch(
        ctx,
        client,
        only,
        opts,
        listRevision,
        (all.length === 0 || (values['watch-only'] ?? false)) && !noHeaders,
        writers.get(only.info),
        tableOpts(only.info),
      );
    }
    return failed ? 1 : 0;
  },
};

/**
 * `all`, as kubectl has it: the pods, the services in front of them, the workloads
 * that run them and their autoscalers, each its own table, in the order of kubectl's
 * `all` category (API groups in discovery order, resources by name). Of that category
 * Wheelhouse does not serve replication controllers.
 */
export const ALL_RESOURCES = [
  'pods',
  'services',
  'daemonsets',
  'deployments',
  'replicasets',
  'statefulsets',
  'horizontalpodautoscalers',
  'cronjobs',
  'jobs',
] as const;

function expandAll(positionals: readonly string[]): string[] {
  const [first, ...rest] = positionals;
  if (first === undefined || first.includes('/')) return [...positionals];
  const types = first.split(',').flatMap((t) => (t === 'all' ? ALL_RESOURCES : [t]));
  return [[...new Set(types)].join(','), ...rest];
}

function isTabular(output: Output): boolean {
  return output.format === 'table' || output.format === 'wide' || output.format === 'custom-columns';
}

function outputOf(value: string | undefined, cwd: string): Output {
  if (value === undefined || value === '') return { format: 'table' };
  if (value === 'wide' || value === 'yaml' || value === 'json' || value === 'name') return { format: value };
  const eq = value.indexOf('=');
  const kind = eq < 0 ? value : value.slice(0, eq);
  const arg = eq < 0 ? '' : value.slice(eq + 1);
  const readArg = () => {
    if (arg === '') throw new UsageError(`-o ${kind} needs a file: -o ${kind}=FILE`);
    try {
      return readFileSync(resolve(cwd, arg), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${kind} ${arg}: ${(err as Error).message}`);
    }
  };
  const template = (text: string) => {
    if (text === '')
      throw new UsageError('template format specified but no template given: -o jsonpath={.metadata.name}');
    try {
      return parseJsonPath(text);
    } catch (err) {
      throw new UsageError(`error parsing jsonpath ${text}: ${(err as Error).message}`);
    }
  };
  switch (kind) {
    case 'jsonpath':
      return { format: 'jsonpath', jsonPath: template(arg) };
    case 'jsonpath-file':
      return { format: 'jsonpath', jsonPath: template(readArg()) };
    case 'custom-columns':
      return { format: 'custom-columns', columns: parseCustomColumns(arg) };
    case 'custom-columns-file':
      return { format: 'custom-columns', columns: parseCustomColumnsFile(readArg()) };
    case 'go-template':
    case 'go-template-file':
    case 'template':
      throw new UsageError(
        `-o ${kind} is not supported: use -o jsonpath=TEMPLATE, which reaches the same fields`,
      );
  }
  throw new UsageError(
    `unable to match a printer for output format "${value}"; allowed: ${OUTPUTS.join(', ')}`,
  );
}

function sortPathOf(expression: string): JsonPath {
  try {
    return parseJsonPath(relaxedJsonPath(expression));
  } catch (err) {
    throw new UsageError(`--sort-by ${expression}: ${(err as Error).message}`);
  }
}

/**
 * kubectl's --sort-by order: by the path's value in each object's JSON, numbers
 * (and numeric strings, as int64 fields are) numerically, quantities by amount,
 * timestamps by time, other strings as text; objects without the field first.
 */
function sortFound(group: readonly Found[], path: JsonPath): Found[] {
  const keyed = group.map((f) => ({ f, key: path.find(codec().encodeObject(f.info, f.object))[0] }));
  return keyed.sort((a, b) => compareValues(a.key, b.key)).map((k) => k.f);
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

export function compareValues(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  if (TIMESTAMP.test(sa) && TIMESTAMP.test(sb)) return Date.parse(sa) - Date.parse(sb);
  const qa = Quantity.tryParse(String(a));
  const qb = Quantity.tryParse(String(b));
  if (qa.ok && qb.ok) return qa.quantity.cmp(qb.quantity);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Named objects one by one, or every matching object page by page. */
async function fetch(
  client: ApiClient,
  request: ResourceRequest,
  opts: GetOptions,
  ignoreNotFound: boolean,
): Promise<{ objects: KindObject[]; resourceVersion: string }> {
  const { info } = request;
  if (request.names.length > 0) {
    const namespace = opts.allNamespaces ? DEFAULT_NAMESPACE : opts.namespace;
    const objects: KindObject[] = [];
    for (const name of request.names) {
      try {
        objects.push(await client.get(info, namespace, name));
      } catch (err) {
        if (!(ignoreNotFound && err instanceof ApiError && err.code === Code.NOT_FOUND)) throw err;
      }
    }
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

type WriterFor = (info: KindInfo) => { writer: TableWriter; options: RowOptions };

interface PrintOptions {
  readonly noHeaders: boolean;
  /** With --output-watch-events: the event each printed object stands for. */
  readonly eventType?: string | undefined;
}

function printFound(
  ctx: Context,
  groups: readonly Found[][],
  output: Output,
  single: boolean,
  print: PrintOptions,
  writerFor: WriterFor,
) {
  const all = groups.flat().map((f) => (output.showManagedFields ? f : withoutManagedFields(f)));
  if (print.eventType && (output.format === 'json' || output.format === 'yaml')) {
    for (const f of all) {
      const event = { type: print.eventType, object: codec().encodeObject(f.info, f.object) };
      ctx.io.write(
        output.format === 'json' ? `${JSON.stringify(event, null, 2)}\n` : `---\n${toYamlValue(event)}`,
      );
    }
    return;
  }
  switch (output.format) {
    case 'yaml':
      if (all.length > 0) ctx.io.write(codec().toYaml(all));
      return;
    case 'json':
      ctx.io.write(codec().toJson(all, { list: !single }));
      return;
    case 'jsonpath': {
      const [only] = all;
      const value = single && only ? codec().encodeObject(only.info, only.object) : codec().encodeList(all);
      ctx.io.write(output.jsonPath?.execute(value) ?? '');
      return;
    }
    case 'name':
      for (const f of all) ctx.io.write(`${objectLabel(f.info, f.object.metadata?.name ?? '')}\n`);
      return;
    default: {
      let first = true;
      for (const group of groups) {
        const [head] = group;
        if (!head) continue;
        if (!first && output.format !== 'custom-columns') ctx.io.write('\n');
        const { writer, options } = writerFor(head.info);
        const rows = group.map((f) => row(f.info, f.object, options, print.eventType));
        if (!print.noHeaders && (first || output.format !== 'custom-columns'))
          rows.unshift(header(head.info, options));
        first = false;
        ctx.io.write(writer.render(rows));
      }
    }
  }
}

function withoutManagedFields(f: Found): Found {
  const metadata = f.object.metadata;
  if (!metadata || metadata.managedFields.length === 0) return f;
  return { ...f, object: { ...f.object, metadata: { ...metadata, managedFields: [] } } };
}

/** A plain value as YAML, quoted as the manifests are. */
function toYamlValue(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0 });
}

function header(info: KindInfo, options: RowOptions): string[] {
  const columns = options.columns ? customColumnsHeader(options.columns) : tableHeader(info, options);
  return [
    ...(options.withEvent ? ['EVENT'] : []),
    ...columns,
    ...options.labelColumns.map((key) => key.slice(key.lastIndexOf('/') + 1).toUpperCase()),
    ...(options.showLabels ? ['LABELS'] : []),
  ];
}

function row(info: KindInfo, object: KindObject, options: RowOptions, eventType?: string): string[] {
  const labelMap = object.metadata?.labels ?? {};
  const labels = Object.entries(labelMap)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const cells = options.columns
    ? customColumnsRow(options.columns, codec().encodeObject(info, object))
    : tableRow(info, object, options);
  return [
    ...(options.withEvent ? [eventType ?? ''] : []),
    ...cells,
    ...options.labelColumns.map((key) => labelMap[key] ?? ''),
    ...(options.showLabels ? [labels || '<none>'] : []),
  ];
}

function eventName(type: WatchEventType): string {
  return (WatchEventType[type] ?? '').replace(/^WATCH_EVENT_TYPE_/, '');
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
  options: RowOptions,
): Promise<void> {
  const { info } = request;
  const names = new Set(request.names);
  const writer = existing ?? new TableWriter();
  let needHeader = headerPending && isTabular(opts.output);
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
    const type = options.withEvent ? eventName(event.type) : undefined;
    if (isTabular(opts.output)) {
      const rows = [row(info, event.object, { ...options, now: ctx.io.now() }, type)];
      if (needHeader) rows.unshift(header(info, options));
      needHeader = false;
      ctx.io.write(writer.render(rows));
    } else {
      if (opts.output.format === 'yaml' && !type) ctx.io.write('---\n');
      printFound(ctx, found, opts.output, true, { noHeaders: true, eventType: type }, () => ({
        writer,
        options,
      }));
    }
  }
}
