/**
 * `whctl apply -f`: kubectl's client-side apply. A missing object is created with
 * the manifest recorded in its last-applied annotation (last-applied.ts). An
 * existing one gets a strategic merge patch computed three ways: from the last
 * applied manifest (what the user said before), the new manifest (what the user
 * says now) and the live object (what everyone else wrote). A field the user
 * removed from the manifest is removed; a field another writer set and the user
 * never wrote stays; list elements merge by their keys (containers by name), so
 * changing an image changes only that. The server applies the patch atomically;
 * a conflict is retried from a fresh read. One line per object, as kubectl
 * prints it: `pod/web created`, `configured`, `unchanged`.
 */

import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { Code, isApiError } from '../../../sdk/errors.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { decodeObject, type Json, type JsonObject } from '../../../sdk/manifest/decode.js';
import { encodeObject } from '../../../sdk/manifest/encode.js';
import { PatchError } from '../../../sdk/patch/strategic-merge.js';
import { createThreeWayMergePatch } from '../../../sdk/patch/three-way.js';
import type { Command } from '../command.js';
import { commonFlags, type DryRun, dryRunOf, parseFlags } from '../flags.js';
import { hasLastApplied, LAST_APPLIED_ANNOTATION, lastAppliedOf, withLastApplied } from '../last-applied.js';
import { readManifests, type SourcedObject } from '../manifests.js';
import { placeObject } from '../namespaces.js';
import { objectOutputOf, renderChanged } from '../object-output.js';
import { formatError } from '../report-error.js';
import { objectLabel } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { applyServerSide, DEFAULT_SERVER_SIDE_MANAGER, formatApplyConflict } from './apply-server-side.js';

/**
 * How many times apply reads the object again and retries after losing a race: a create
 * that found the object just created by another writer, or a patch whose read went stale.
 */
const MAX_CONFLICT_RETRIES = 5;

export const manifestFlags = {
  ...commonFlags,
  filename: { type: 'string', short: 'f', multiple: true },
  recursive: { type: 'boolean', short: 'R' },
  'dry-run': { type: 'string' },
} as const;

const flags = {
  ...manifestFlags,
  output: { type: 'string', short: 'o' },
  overwrite: { type: 'string' },
  'server-side': { type: 'boolean' },
  'force-conflicts': { type: 'boolean' },
  'field-manager': { type: 'string' },
} as const;

export type ApplyResult = 'created' | 'configured' | 'unchanged';

export const applyCommand: Command = {
  summary: 'Create or update resources from files or standard input',
  help: `Create or update resources from manifests (YAML or JSON, any number of documents).

A created object records the manifest in its ${LAST_APPLIED_ANNOTATION}
annotation. Applying again patches the object three ways (last applied, new manifest, live):
fields removed from the manifest are removed, fields set by others are kept, and lists of
containers, ports, volumes, ... merge element by element.

Usage:
  whctl apply -f FILENAME [-f FILENAME...] [flags]

Examples:
  whctl apply -f deploy.yaml
  whctl apply -f manifests/ -R
  whctl apply --server-side -f deploy.yaml
  cat pod.yaml | whctl apply -f -

Flags:
  -f, --filename PATH     file, folder (its .yaml/.yml/.json files) or - for standard input
  -R, --recursive         also read the sub-folders of folders given with -f
  -n, --namespace NS      namespace for objects that name none (default "default")
  -o, --output FORMAT     name, yaml or json: print the applied objects instead
      --overwrite=false   refuse to change a field that someone else changed since the last
                          apply (default true: the manifest wins)
      --server-side       let the server apply the manifest (server-side apply): its fields
                          become the field manager's, fields it applied before and no longer
                          does are removed, and a field another manager owns is a conflict
      --force-conflicts   with --server-side: take the conflicting fields from their managers
      --field-manager NAME  with --server-side: who owns the applied fields (default "whctl")
      --dry-run[=MODE]    server (default when given): validated and admitted, not stored;
                          client: nothing is sent but reads
      --config FILE       client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const dryRun = dryRunOf(values['dry-run']);
    const output = objectOutputOf(values.output);
    const overwrite = booleanFlag('overwrite', values.overwrite ?? 'true');
    const serverSide = values['server-side'] === true;
    if (!serverSide && values['force-conflicts']) {
      throw new UsageError('--force-conflicts only works with --server-side');
    }
    const fieldManager = values['field-manager'] ?? DEFAULT_SERVER_SIDE_MANAGER;
    if (fieldManager === '') throw new UsageError('--field-manager must not be empty');
    const objects = await readManifests(values.filename ?? [], ctx.io, { recursive: values.recursive });
    const client = ctx.client(values.config);
    let failed = false;
    let first = true;
    for (const parsed of objects) {
      try {
        placeObject(parsed.info, parsed.object, values.namespace);
        if (serverSide) {
          const object = await applyServerSide(client, parsed, dryRun, {
            fieldManager,
            force: values['force-conflicts'] === true,
          });
          const what = `serverside-applied${dryRunSuffix(dryRun)}`;
          ctx.io.write(renderChanged(output, parsed.info, object, what, first));
          first = false;
          continue;
        }
        const { result, object } = await applyObject(client, parsed, dryRun, {
          overwrite,
          warn: (text) => ctx.io.writeError(text),
        });
        ctx.io.write(renderChanged(output, parsed.info, object, `${result}${dryRunSuffix(dryRun)}`, first));
        first = false;
      } catch (err) {
        ctx.io.writeError(formatApplyConflict(err) ?? formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

export function dryRunSuffix(dryRun: DryRun): string {
  return dryRun === 'server' ? ' (server dry run)' : dryRun === 'client' ? ' (dry run)' : '';
}

export interface ApplyOutcome {
  readonly result: ApplyResult;
  /** The object as the server answered (or as it would be, for a client dry run). */
  readonly object: KindObject;
}

function booleanFlag(name: string, value: string): boolean {
  if (value === 'true' || value === '') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${name} must be true or false, not ${JSON.stringify(value)}`);
}

export interface ApplyOptions {
  /** False: a field changed on the live object since the last apply is not overwritten (an error). */
  readonly overwrite?: boolean;
  /** Receives kubectl's warning for a live object that has no last-applied record. */
  readonly warn?: (text: string) => void;
}

/** Applies one object whose namespace is already placed. */
export async function applyObject(
  client: ApiClient,
  parsed: SourcedObject,
  dryRun: DryRun,
  opts: ApplyOptions = {},
): Promise<ApplyOutcome> {
  const { info } = parsed;
  const modified = appliedManifest(parsed);
  const { namespace, name } = identity(parsed);
  for (let attempt = 0; ; attempt++) {
    const plan = await planApply(client, info, namespace, name, modified, opts.overwrite ?? true);
    if (plan.live === undefined) {
      const object = decodeObject(info, modified, { source: parsed.source, document: parsed.document });
      if (dryRun === 'client') return { result: 'created', object };
      try {
        return {
          result: 'created',
          object: await client.create(info, object, { dryRun: dryRun === 'server' }),
        };
      } catch (err) {
        // Created by someone else since the read: patch theirs instead.
        if (!isApiError(err, Code.ALREADY_EXISTS) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        continue;
      }
    }
    if (attempt === 0 && plan.missingRecord) opts.warn?.(missingRecordWarning(info, name));
    if (isEmptyPatch(plan.patch)) return { result: 'unchanged', object: plan.live };
    if (dryRun === 'client') return { result: 'configured', object: plan.live };
    try {
      const type = PatchType.PATCH_TYPE_STRATEGIC_MERGE;
      const object = await client.patch(info, namespace, name, type, plan.patch, {
        dryRun: dryRun === 'server',
      });
      return { result: 'configured', object };
    } catch (err) {
      // Another writer got in between: compute the patch again against what it wrote.
      if (!isApiError(err, Code.ABORTED) || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
  }
}

/** What applying a manifest means for the object it names, as of one read. */
export interface ApplyPlan {
  /** The live object; undefined when it does not exist (apply creates it). */
  readonly live: KindObject | undefined;
  /** The strategic merge patch that applies the manifest to `live` ({} when none). */
  readonly patch: JsonObject;
  /** The live object has no last-applied record: nothing of it is removed. */
  readonly missingRecord: boolean;
}

/** Reads the live object and computes the three-way patch; `modified` is from appliedManifest. */
export async function planApply(
  client: ApiClient,
  info: KindInfo,
  namespace: string,
  name: string,
  modified: JsonObject,
  overwrite = true,
): Promise<ApplyPlan> {
  let live: KindObject;
  try {
    live = await client.get(info, namespace, name);
  } catch (err) {
    if (isApiError(err, Code.NOT_FOUND)) return { live: undefined, patch: {}, missingRecord: false };
    throw err;
  }
  const current = encodeObject(info, live);
  const original = lastAppliedOf(current);
  let patch: JsonObject;
  try {
    patch = createThreeWayMergePatch(info.kind, original, modified, current, { overwrite });
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    const where = err.path ? ` (${err.path})` : '';
    throw new Error(`${objectLabel(info, name)}: ${err.message}${where}`);
  }
  return { live, patch, missingRecord: !hasLastApplied(current) };
}

export function isEmptyPatch(patch: JsonObject): boolean {
  return Object.keys(patch).length === 0;
}

/** The object's namespace (placed) and name; apply cannot use generateName. */
export function identity(parsed: SourcedObject): { namespace: string; name: string } {
  const name = parsed.object.metadata?.name ?? '';
  if (name === '') {
    throw new UsageError(
      `${parsed.source}: document ${parsed.document}: apply needs metadata.name (create can use generateName)`,
    );
  }
  return { namespace: parsed.object.metadata?.namespace ?? '', name };
}

function missingRecordWarning(info: KindInfo, name: string): string {
  const resource = info.apiGroup === '' ? info.resource : `${info.resource}.${info.apiGroup}`;
  return (
    `Warning: resource ${resource}/${name} is missing the ${LAST_APPLIED_ANNOTATION} annotation ` +
    'which is required by whctl apply. whctl apply should only be used on resources created ' +
    'declaratively by whctl apply. The missing annotation will be patched automatically.\n'
  );
}

/** Fields only the server sets: a manifest saved with `get -o yaml` carries them. */
export const SERVER_METADATA: readonly string[] = [
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/**
 * The manifest as apply sends and records it, with its last-applied annotation:
 * the decoded object in the manifest form the server answers in (so that `cpu: 1`
 * and the stored `"1"` are not a difference), plus the zero values the manifest
 * wrote out (`paused: false`), which that form leaves out but which the user
 * means. What only the server sets is dropped; the namespace is the placed one.
 */
export function appliedManifest(parsed: SourcedObject): JsonObject {
  const manifest = encodeObject(parsed.info, parsed.object);
  overlayWrittenZeros(manifest, parsed.raw);
  delete manifest.status;
  const metadata = manifest.metadata;
  if (isRecord(metadata)) {
    for (const field of SERVER_METADATA) delete metadata[field];
    if (!parsed.info.namespaced) delete metadata.namespace;
  }
  return withLastApplied(manifest);
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isZero(value: unknown): value is Json {
  if (value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

/** Puts back into `encoded` the zero values `raw` wrote that encoding dropped. */
function overlayWrittenZeros(encoded: JsonObject, raw: unknown): void {
  if (!isRecord(raw)) return;
  for (const [key, value] of Object.entries(raw)) {
    const present = encoded[key];
    if (present === undefined) {
      if (isZero(value)) encoded[key] = structuredClone(value);
    } else if (isRecord(present)) {
      overlayWrittenZeros(present, value);
    } else if (Array.isArray(present) && Array.isArray(value) && present.length === value.length) {
      present.forEach((element, i) => {
        if (isRecord(element)) overlayWrittenZeros(element, value[i]);
      });
    }
  }
}
