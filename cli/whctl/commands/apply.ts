/**
 * `whctl apply -f`: make the cluster hold what the manifests say. A missing
 * object is created; an existing one is updated with the manifest merged onto it
 * (merge.ts), guarded by its current resourceVersion and tried again once on a
 * conflict; one that already matches is left alone. One line per object, as
 * kubectl prints it: `pod/web created`, `configured`, `unchanged`.
 */

import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { ApiError, Code, isApiError } from '../../../sdk/errors.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { decodeObject, encodeObject } from '../../../sdk/manifest/index.js';
import type { Command } from '../command.js';
import { commonFlags, type DryRun, dryRunOf, parseFlags } from '../flags.js';
import { readManifests, type SourcedObject } from '../manifests.js';
import { isApplied, type JsonValue, mergeManifest } from '../merge.js';
import { placeObject } from '../namespaces.js';
import { formatError } from '../report-error.js';
import { objectLabel } from '../resources.js';
import { UsageError } from '../usage-error.js';

export const manifestFlags = {
  ...commonFlags,
  filename: { type: 'string', short: 'f', multiple: true },
  recursive: { type: 'boolean', short: 'R' },
  'dry-run': { type: 'string' },
} as const;

export type ApplyResult = 'created' | 'configured' | 'unchanged';

export const applyCommand: Command = {
  summary: 'Create or update resources from files or standard input',
  help: `Create or update resources from manifests (YAML or JSON, any number of documents).

Usage:
  whctl apply -f FILENAME [-f FILENAME...] [flags]

Examples:
  whctl apply -f deploy.yaml
  whctl apply -f manifests/ -R
  cat pod.yaml | whctl apply -f -

Flags:
  -f, --filename PATH     file, folder (its .yaml/.yml/.json files) or - for standard input
  -R, --recursive         also read the sub-folders of folders given with -f
  -n, --namespace NS      namespace for objects that name none (default "default")
      --dry-run[=MODE]    server (default when given): validated and admitted, not stored;
                          client: nothing is sent but reads
      --config FILE       client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, manifestFlags);
    if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const dryRun = dryRunOf(values['dry-run']);
    const objects = await readManifests(values.filename ?? [], ctx.io, { recursive: values.recursive });
    const client = ctx.client(values.config);
    let failed = false;
    for (const parsed of objects) {
      try {
        placeObject(parsed.info, parsed.object, values.namespace);
        const result = await applyObject(client, parsed, dryRun);
        ctx.io.write(
          `${objectLabel(parsed.info, parsed.object.metadata?.name ?? '')} ${result}${dryRunSuffix(dryRun)}\n`,
        );
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

export function dryRunSuffix(dryRun: DryRun): string {
  return dryRun === 'server' ? ' (server dry run)' : dryRun === 'client' ? ' (dry run)' : '';
}

/** Applies one object; the namespace is already placed on it. */
export async function applyObject(
  client: ApiClient,
  parsed: SourcedObject,
  dryRun: DryRun,
): Promise<ApplyResult> {
  const { info, object } = parsed;
  const name = object.metadata?.name ?? '';
  if (name === '') {
    throw new UsageError(
      `${parsed.source}: document ${parsed.document}: apply needs metadata.name (create can use generateName)`,
    );
  }
  const namespace = object.metadata?.namespace ?? '';
  const manifest = stripServerFields(parsed.raw, namespace);
  for (let attempt = 0; ; attempt++) {
    let live: KindObject;
    try {
      live = await client.get(info, namespace, name);
    } catch (err) {
      if (!isApiError(err, Code.NOT_FOUND)) throw err;
      if (dryRun !== 'client') await client.create(info, object, { dryRun: dryRun === 'server' });
      return 'created';
    }
    const liveJson = encodeObject(info, live);
    if (isApplied(liveJson, manifest)) return 'unchanged';
    const merged = mergeManifest(liveJson, manifest);
    const updated = decodeObject(info, merged, { source: parsed.source, document: parsed.document });
    if (updated.metadata) updated.metadata.resourceVersion = live.metadata?.resourceVersion ?? '';
    if (dryRun === 'client') return 'configured';
    try {
      await client.update(info, updated, { dryRun: dryRun === 'server' });
      return 'configured';
    } catch (err) {
      // Someone wrote the object between our read and our write: merge onto what they wrote.
      if (attempt === 0 && err instanceof ApiError && err.code === Code.ABORTED) continue;
      throw err;
    }
  }
}

/**
 * The manifest without what only the server sets: a manifest saved with
 * `get -o yaml` carries status, uid and an old resourceVersion, none of which
 * apply should compare against or send. The namespace is the one placed.
 */
function stripServerFields(raw: unknown, namespace: string): JsonValue {
  const manifest = structuredClone(raw) as { [key: string]: JsonValue };
  delete manifest.status;
  const metadata = manifest.metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    for (const field of [
      'resourceVersion',
      'uid',
      'creationTimestamp',
      'generation',
      'deletionTimestamp',
      'managedFields',
    ]) {
      delete metadata[field];
    }
    // Placed by placeObject: the object's own, -n, or default; none for cluster-scoped kinds.
    if (namespace !== '') metadata.namespace = namespace;
    else delete metadata.namespace;
  }
  return manifest;
}
