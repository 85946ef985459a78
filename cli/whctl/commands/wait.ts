/**
 * `whctl wait`: blocks until objects meet a condition, are deleted, or a JSONPath has a
 * value, as kubectl wait. It lists once, then follows a watch from that list's revision
 * (no polling), and re-lists if the watch ends early. Exit 0 when every object met it,
 * 1 on timeout, naming each object that did not.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { WatchEventType } from '../../../sdk/client/dynamic-client.js';
import { parseDurationMs } from '../../../sdk/duration.js';
import { ApiError, Code } from '../../../sdk/errors.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { encodeObject } from '../../../sdk/manifest/encode.js';
import type { Command } from '../command.js';
import type { Context } from '../context.js';
import { commonFlags, parseFlags } from '../flags.js';
import { type JsonPath, parseJsonPath, relaxedJsonPath } from '../jsonpath.js';
import { DEFAULT_NAMESPACE } from '../namespaces.js';
import { objectLabel, parseResourceArgs } from '../resources.js';
import { UsageError } from '../usage-error.js';

const help = `Wait for a specific condition on one or many resources.

Usage:
  whctl wait (TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all) --for=CONDITION [--timeout=30s]

Conditions:
  --for=condition=Ready              status.conditions has type Ready with status True
  --for=condition=Ready=false        ... with status False (any value, compared without case)
  --for=delete                       the objects are gone
  --for=jsonpath='{.status.phase}'=Running
                                     the path has that value (without =VALUE: has any value)

Examples:
  whctl wait pod/web --for=condition=Ready --timeout=60s
  whctl wait pods -l app=web --for=jsonpath='{.status.phase}'=Running
  whctl wait deployment/web --for=delete

Flags:
      --for CONDITION        what to wait for (required)
      --timeout DURATION     give up after this long (default 30s; 0 checks once)
  -l, --selector SELECTOR    the objects matching a label selector
      --all                  every object of the type in the namespace
  -A, --all-namespaces       across every namespace (with -l or --all)
  -n, --namespace NS         namespace (default "default")
      --config FILE          client config file
`;

const flags = {
  ...commonFlags,
  for: { type: 'string' },
  timeout: { type: 'string' },
  selector: { type: 'string', short: 'l' },
  all: { type: 'boolean' },
  'all-namespaces': { type: 'boolean', short: 'A' },
} as const;

/** What `--for` asks of an object; `delete` is met only by its absence. */
export type WaitCondition =
  | { readonly kind: 'delete' }
  | { readonly kind: 'condition'; readonly type: string; readonly status: string }
  | { readonly kind: 'jsonpath'; readonly path: JsonPath; readonly value: string | undefined };

export function parseCondition(text: string | undefined): WaitCondition {
  if (text === undefined || text === '') {
    throw new UsageError(
      '--for is required: --for=delete, --for=condition=NAME[=VALUE] or --for=jsonpath=...',
    );
  }
  if (text === 'delete') return { kind: 'delete' };
  if (text.startsWith('condition=')) {
    const [type = '', status = 'True', ...rest] = text.slice('condition='.length).split('=');
    if (type === '' || rest.length > 0)
      throw new UsageError(`--for ${text}: use condition=NAME or condition=NAME=VALUE`);
    return { kind: 'condition', type, status };
  }
  if (text.startsWith('jsonpath=')) {
    // Quotes a shell would have removed are removed here too: jsonpath='{.status.phase}'=Running.
    const spec = text.slice('jsonpath='.length).replace(/^'([^']*)'/, '$1');
    // `{.status.phase}=Running`: the value follows the closing brace (or the path, written bare).
    const close = spec.lastIndexOf('}');
    const eq = spec.indexOf('=', close < 0 ? 0 : close);
    const expression = eq < 0 ? spec : spec.slice(0, eq);
    const value = eq < 0 ? undefined : spec.slice(eq + 1);
    try {
      return { kind: 'jsonpath', path: parseJsonPath(relaxedJsonPath(expression)), value };
    } catch (err) {
      throw new UsageError(`--for ${text}: ${(err as Error).message}`);
    }
  }
  throw new UsageError(
    `unrecognized condition: "${text}"; use delete, condition=NAME[=VALUE] or jsonpath=PATH=VALUE`,
  );
}

/** Whether an object (undefined: it does not exist) meets the condition. */
export function conditionMet(
  condition: WaitCondition,
  info: KindInfo,
  object: KindObject | undefined,
): boolean {
  if (condition.kind === 'delete') return object === undefined;
  if (object === undefined) return false;
  const json = encodeObject(info, object) as {
    status?: { conditions?: { type?: string; status?: string }[] };
  };
  if (condition.kind === 'condition') {
    const want = condition.type.toLowerCase();
    const found = (json.status?.conditions ?? []).find((c) => (c.type ?? '').toLowerCase() === want);
    return found !== undefined && (found.status ?? '').toLowerCase() === condition.status.toLowerCase();
  }
  const values = condition.path.find(json);
  if (condition.value === undefined) return values.length > 0 && values[0] !== undefined;
  return values.length === 1 && String(values[0]) === condition.value;
}

const keyOf = (o: KindObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export const waitCommand: Command = {
  summary: 'Wait for a specific condition on one or many resources',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const condition = parseCondition(values.for);
    let timeoutMs: number;
    try {
      timeoutMs = parseDurationMs(values.timeout ?? '30s');
    } catch (err) {
      throw new UsageError(`--timeout: ${(err as Error).message}`);
    }
    const requests = parseResourceArgs(positionals);
    const [request, ...more] = requests;
    if (!request || more.length > 0) throw new UsageError('wait takes one resource type at a time');
    const named = request.names.length > 0;
    if (named === (values.selector !== undefined || (values.all ?? false))) {
      throw new UsageError('give names, or -l SELECTOR or --all, but not both and not neither');
    }
    const allNamespaces = (values['all-namespaces'] ?? false) && !named;
    const namespace = allNamespaces ? '' : (values.namespace ?? DEFAULT_NAMESPACE);
    const client = ctx.client(values.config);
    return waitFor(ctx, client, request.info, {
      namespace,
      names: request.names,
      labelSelector: values.selector ?? '',
      condition,
      deadline: Date.now() + timeoutMs,
    });
  },
};

interface WaitTarget {
  readonly namespace: string;
  /** Empty: every object the selector matches when the wait starts. */
  readonly names: readonly string[];
  readonly labelSelector: string;
  readonly condition: WaitCondition;
  readonly deadline: number;
}

async function waitFor(ctx: Context, client: ApiClient, info: KindInfo, target: WaitTarget): Promise<number> {
  const { condition } = target;
  /** The objects waited on, by namespace/name, with their latest state (undefined: gone). */
  const state = new Map<string, KindObject | undefined>();
  const met = new Set<string>();
  const report = (key: string) => {
    if (met.has(key) || !conditionMet(condition, info, state.get(key))) return;
    met.add(key);
    ctx.io.write(`${objectLabel(info, key.slice(key.indexOf('/') + 1))} condition met\n`);
  };

  // The first listing fixes which objects are waited on, and the revision the watch starts at.
  const list = async (): Promise<string> => {
    const fieldSelector = target.names.length === 1 ? `metadata.name=${target.names[0]}` : '';
    const page = await client.list(info, target.namespace, {
      labelSelector: target.labelSelector,
      fieldSelector,
    });
    const seen = new Map(page.items.map((o) => [keyOf(o), o]));
    if (state.size === 0) {
      if (target.names.length > 0) {
        for (const name of target.names) {
          const key = `${info.namespaced ? target.namespace : ''}/${name}`;
          if (!seen.has(key) && condition.kind !== 'delete') {
            throw new ApiError(Code.NOT_FOUND, `${info.resource} "${name}" not found`);
          }
          state.set(key, seen.get(key));
        }
      } else {
        for (const [key, o] of seen) state.set(key, o);
        if (state.size === 0 && condition.kind !== 'delete') {
          ctx.io.writeError('error: no matching resources found\n');
          return '';
        }
      }
    } else {
      for (const key of state.keys()) state.set(key, seen.get(key));
    }
    return page.metadata?.resourceVersion ?? '';
  };

  let revision = await list();
  if (state.size === 0 && condition.kind !== 'delete') return 1;
  for (const key of state.keys()) report(key);
  const done = () => met.size === state.size;
  while (!done() && Date.now() < target.deadline && !ctx.io.signal.aborted) {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), Math.max(0, target.deadline - Date.now()));
    const onInterrupt = () => stop.abort();
    ctx.io.signal.addEventListener('abort', onInterrupt, { once: true });
    try {
      const events = client.watch(
        info,
        target.namespace,
        {
          labelSelector: target.labelSelector,
          fieldSelector: target.names.length === 1 ? `metadata.name=${target.names[0]}` : '',
          resourceVersion: revision,
        },
        stop.signal,
      );
      for await (const event of events) {
        const object = event.object;
        if (!object || event.type === WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) continue;
        const key = keyOf(object);
        if (!state.has(key)) continue;
        state.set(key, event.type === WatchEventType.WATCH_EVENT_TYPE_DELETED ? undefined : object);
        report(key);
        if (done()) break;
      }
    } catch (err) {
      // A compacted revision: start again from a fresh listing, as an informer does.
      if (!(err instanceof ApiError && err.code === Code.OUT_OF_RANGE)) throw err;
    } finally {
      clearTimeout(timer);
      ctx.io.signal.removeEventListener('abort', onInterrupt);
      stop.abort();
    }
    if (!done() && Date.now() < target.deadline && !ctx.io.signal.aborted) {
      revision = await list();
      for (const key of state.keys()) report(key);
    }
  }
  if (done()) return 0;
  for (const key of state.keys()) {
    if (!met.has(key)) {
      ctx.io.writeError(
        `error: timed out waiting for the condition on ${info.resource}/${key.slice(key.indexOf('/') + 1)}\n`,
      );
    }
  }
  return 1;
}
