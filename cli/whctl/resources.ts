/**
 * What the user names on the command line, resolved through the kind table:
 * `pods`, `po`, `deployments.apps`, `pods,deploy`, `pod/web`, `TYPE NAME NAME`.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import { type KindInfo, resolveResource } from '../../sdk/kinds.js';
import { UsageError } from './usage-error.js';

/** One kind to act on, with the names asked for (none means "all of them"). */
export interface ResourceRequest {
  readonly info: KindInfo;
  readonly names: string[];
}

export function resolveKind(name: string): KindInfo {
  const info = resolveResource(name);
  if (!info) {
    throw new UsageError(
      `the server doesn't have a resource type "${name}" (run "whctl api-resources" for the list)`,
    );
  }
  return info;
}

/**
 * Parses the positional arguments of get and delete: either `TYPE[,TYPE...] [NAME...]`
 * or any number of `TYPE/NAME`. Kinds keep the order they were given in.
 */
export function parseResourceArgs(args: readonly string[]): ResourceRequest[] {
  const [first, ...rest] = args;
  if (first === undefined) throw new UsageError('you must specify the type of resource, e.g. "pods"');
  if (first.includes('/')) {
    const requests: { info: KindInfo; names: string[] }[] = [];
    for (const arg of args) {
      const [type, name, extra] = arg.split('/');
      if (!type || !name || extra !== undefined) {
        throw new UsageError(
          `arguments in resource/name form must have a single resource and name (got ${JSON.stringify(arg)})`,
        );
      }
      const info = resolveKind(type);
      const existing = requests.find((r) => r.info === info);
      if (existing) existing.names.push(name);
      else requests.push({ info, names: [name] });
    }
    return requests;
  }
  const types = first.split(',').filter((t) => t !== '');
  if (types.length === 0) throw new UsageError('you must specify the type of resource, e.g. "pods"');
  const infos = [...new Set(types.map(resolveKind))];
  if (rest.length > 0 && infos.length > 1) {
    throw new UsageError('names can only be given with one resource type, or in TYPE/NAME form');
  }
  return infos.map((info) => ({ info, names: [...rest] }));
}

/** How kubectl names a kind in messages: `pod`, `deployment.apps`. */
export function kindLabel(info: KindInfo): string {
  const lower = info.kind.toLowerCase();
  return info.apiGroup === '' ? lower : `${lower}.${info.apiGroup}`;
}

/** `pod/web`, `deployment.apps/web`: the name kubectl prints for an object. */
export function objectLabel(info: KindInfo, name: string): string {
  return `${kindLabel(info)}/${name}`;
}

export function nameOf(object: KindObject): string {
  return object.metadata?.name ?? '';
}

export function namespaceOf(object: KindObject): string {
  return object.metadata?.namespace ?? '';
}
