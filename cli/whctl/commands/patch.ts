/**
 * `whctl patch`: changes objects by a patch document that the apiserver applies to the
 * object as it is (Patch<Kind>), so that nothing the patch does not name is written and
 * a concurrent change is not lost: a strategic merge patch (the default), a JSON merge
 * patch or a JSON patch, as with `kubectl patch`.
 */
import { parse as parseYaml } from 'yaml';
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { decodeObject, type Json } from '../../../sdk/manifest/decode.js';
import { encodeObject } from '../../../sdk/manifest/encode.js';
import { toJson, toYaml } from '../../../sdk/manifest/print.js';
import { applyJsonPatch, jsonEqual } from '../../../sdk/patch/json-patch.js';
import { applyMergePatch } from '../../../sdk/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../../sdk/patch/strategic-merge.js';
import type { Command } from '../command.js';
import { commonFlags, dryRunOf, parseFlags } from '../flags.js';
import { readManifests } from '../manifests.js';
import { DEFAULT_NAMESPACE, placeObject } from '../namespaces.js';
import { formatError } from '../report-error.js';
import { objectLabel, parseResourceArgs } from '../resources.js';
import { UsageError } from '../usage-error.js';

const flags = {
  ...commonFlags,
  filename: { type: 'string', short: 'f', multiple: true },
  patch: { type: 'string', short: 'p' },
  'patch-file': { type: 'string' },
  type: { type: 'string' },
  subresource: { type: 'string' },
  'dry-run': { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

const patchTypes: Readonly<Record<string, PatchType>> = {
  strategic: PatchType.PATCH_TYPE_STRATEGIC_MERGE,
  merge: PatchType.PATCH_TYPE_MERGE,
  json: PatchType.PATCH_TYPE_JSON,
};

/** `--type` as a PatchType; strategic when not given. */
export function patchTypeOf(value: string | undefined): PatchType {
  const type = patchTypes[value ?? 'strategic'];
  if (type === undefined) {
    throw new UsageError(
      `--type must be one of "json", "merge" or "strategic", not ${JSON.stringify(value)}`,
    );
  }
  return type;
}

/** The patch as JSON text: `-p` and `--patch-file` take JSON or YAML, as kubectl's do. */
export function patchDocument(text: string, source: string): Json {
  try {
    return parseYaml(text) as Json; // JSON is YAML.
  } catch (err) {
    throw new UsageError(
      `${source} is neither JSON nor YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Applies a patch to an object on this side, for `--dry-run=client`, as the server would. */
export function applyPatchLocally(
  info: KindInfo,
  object: KindObject,
  type: PatchType,
  patch: Json,
): KindObject {
  const current = encodeObject(info, object);
  const isObject = typeof patch === 'object' && patch !== null && !Array.isArray(patch);
  let patched: Json;
  if (type === PatchType.PATCH_TYPE_JSON) patched = applyJsonPatch(current, patch);
  else if (!isObject) throw new UsageError('a merge or strategic merge patch must be a JSON object');
  else if (type === PatchType.PATCH_TYPE_MERGE) patched = applyMergePatch(current, patch);
  else patched = applyStrategicMergePatch(info.kind, current, patch);
  return decodeObject(info, patched);
}

type Output = 'message' | 'name' | 'yaml' | 'json';

function outputOf(value: string | undefined): Output {
  if (value === undefined || value === '') return 'message';
  if (value === 'name' || value === 'yaml' || value === 'json') return value;
  throw new UsageError(`unable to match a printer for output format "${value}"; allowed: json, name, yaml`);
}

interface Target {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
}

async function patchOne(
  client: ApiClient,
  target: Target,
  type: PatchType,
  patch: Json,
  opts: { dryRun: 'none' | 'client' | 'server'; status: boolean },
): Promise<{ object: KindObject; changed: boolean }> {
  const { info, namespace, name } = target;
  // Read first, as kubectl does, to tell "patched" from "patched (no change)".
  const before = await client.get(info, namespace, name);
  const after =
    opts.dryRun === 'client'
      ? applyPatchLocally(info, before, type, patch)
      : await client.patch(info, namespace, name, type, JSON.stringify(patch), {
          dryRun: opts.dryRun === 'server',
          status: opts.status,
        });
  const changed = !jsonEqual(encodeObject(info, before), encodeObject(info, after));
  return { object: after, changed };
}

export const patchCommand: Command = {
  summary: 'Update fields of a resource using a strategic merge, merge or JSON patch',
  help: `Update fields of a resource using a strategic merge patch, a JSON merge patch, or a JSON patch.

Usage:
  whctl patch (-f FILENAME | TYPE NAME | TYPE/NAME) (-p PATCH | --patch-file FILE) [flags]

Examples:
  whctl patch deployment web -p '{"spec":{"replicas":3}}'
  whctl patch deploy/web -p '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}'
  whctl patch pod web --type=json -p '[{"op":"replace","path":"/metadata/labels/tier","value":"db"}]'
  whctl patch deployment web --subresource=status --type=merge -p '{"status":{"replicas":0}}'

Flags:
  -p, --patch PATCH          the patch, JSON or YAML
      --patch-file FILE      read the patch from a file
      --type TYPE            strategic (default), merge or json
      --subresource status   patch the status subresource
  -f, --filename PATH        patch the objects of these manifests
      --dry-run[=server|client|none]  server: validate on the server without writing; client: apply locally
  -o, --output FORMAT        name, yaml or json: print the patched object
  -n, --namespace NS         namespace (default "default")
      --config FILE          client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const type = patchTypeOf(values.type);
    const dryRun = values['dry-run'] === '' ? 'server' : dryRunOf(values['dry-run']);
    const output = outputOf(values.output);
    if (values.subresource !== undefined && values.subresource !== 'status') {
      throw new UsageError(`--subresource must be "status", not ${JSON.stringify(values.subresource)}`);
    }
    const status = values.subresource === 'status';
    if (values.patch !== undefined && values['patch-file'] !== undefined) {
      throw new UsageError('give either -p or --patch-file, not both');
    }
    let text: string;
    let source: string;
    if (values['patch-file'] !== undefined) {
      const { readFileSync } = await import('node:fs');
      const { resolve } = await import('node:path');
      text = readFileSync(resolve(ctx.io.cwd, values['patch-file']), 'utf8');
      source = values['patch-file'];
    } else if (values.patch !== undefined) {
      text = values.patch;
      source = 'the patch';
    } else {
      throw new UsageError('must specify -p (or --patch-file) to patch');
    }
    if (text.trim() === '') throw new UsageError('must specify a non-empty patch');
    const patch = patchDocument(text, source);

    const targets: Target[] = [];
    if (values.filename) {
      if (positionals.length > 0) throw new UsageError('give either -f or resource names, not both');
      for (const { info, object } of await readManifests(values.filename, ctx.io)) {
        targets.push({
          info,
          namespace: placeObject(info, object, values.namespace),
          name: object.metadata?.name ?? '',
        });
      }
    } else {
      if (positionals.length === 0) {
        throw new UsageError('you must specify the resource to patch: TYPE NAME, TYPE/NAME or -f FILENAME');
      }
      const namespace = values.namespace ?? DEFAULT_NAMESPACE;
      for (const request of parseResourceArgs(positionals)) {
        if (request.names.length === 0)
          throw new UsageError('resource(s) were provided, but no name was specified');
        for (const name of request.names) {
          targets.push({ info: request.info, namespace: request.info.namespaced ? namespace : '', name });
        }
      }
    }

    const client = ctx.client(values.config);
    const suffix = dryRun === 'server' ? ' (server dry run)' : dryRun === 'client' ? ' (dry run)' : '';
    let failed = false;
    let first = true;
    for (const target of targets) {
      try {
        const { object, changed } = await patchOne(client, target, type, patch, { dryRun, status });
        const label = objectLabel(target.info, target.name);
        if (output === 'message') ctx.io.write(`${label} patched${changed ? '' : ' (no change)'}${suffix}\n`);
        else if (output === 'name') ctx.io.write(`${label}\n`);
        else if (output === 'yaml')
          ctx.io.write(`${first ? '' : '---\n'}${toYaml([{ info: target.info, object }])}`);
        else ctx.io.write(toJson([{ info: target.info, object }]));
        first = false;
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
