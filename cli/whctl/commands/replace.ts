/**
 * `whctl replace -f`: writes each object of the manifests as it is, whole (an
 * Update, not a patch): what the manifest leaves out is cleared. A manifest
 * without a resourceVersion replaces whatever is live (the live one is read and
 * used); one with a resourceVersion replaces only that version. `--force`
 * deletes the object, waits until it is gone, and creates it anew.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { Code, isApiError } from '../../../sdk/errors.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { decodeObject, type JsonObject } from '../../../sdk/manifest/decode.js';
import type { Command } from '../command.js';
import { dryRunOf, parseFlags } from '../flags.js';
import { hasLastApplied } from '../last-applied.js';
import { readManifests, type SourcedObject } from '../manifests.js';
import { placeObject } from '../namespaces.js';
import { objectOutputOf, renderChanged } from '../object-output.js';
import { formatError } from '../report-error.js';
import { kindLabel } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { appliedManifest, dryRunSuffix, manifestFlags } from './apply.js';
import { deleteOptions } from './delete.js';

const flags = {
  ...manifestFlags,
  force: { type: 'boolean' },
  'grace-period': { type: 'string' },
  timeout: { type: 'string' },
  'save-config': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
} as const;

export const replaceCommand: Command = {
  summary: 'Replace resources by file or standard input',
  help: `Replace resources with the objects of manifests, whole: fields a manifest leaves out
are cleared. Without a resourceVersion in the manifest the live object is replaced
whatever its version; with one, only that version is.

Usage:
  whctl replace -f FILENAME [flags]

Flags:
  -f, --filename PATH     file, folder (its .yaml/.yml/.json files) or - for standard input
  -R, --recursive         also read the sub-folders of folders given with -f
  -n, --namespace NS      namespace for objects that name none (default "default")
      --force             delete the objects, wait until they are gone, and create them again
      --grace-period N    with --force: seconds the deleted pods get to stop (-1: their own)
      --timeout DURATION  with --force: how long to wait for the deletion (default 60s)
      --save-config       record the manifest in the last-applied annotation, for later applies
  -o, --output FORMAT     name, yaml or json: print the replaced objects instead
      --dry-run[=MODE]    server (default when given): validated, not stored; client: nothing is sent
      --config FILE       client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const dryRun = dryRunOf(values['dry-run']);
    if (values.force && dryRun !== 'none') throw new UsageError('--dry-run cannot be used with --force');
    const output = objectOutputOf(values.output);
    const timeoutMs = durationMs(values.timeout ?? '60s');
    const options = deleteOptions(values, false);
    const objects = await readManifests(values.filename ?? [], ctx.io, { recursive: values.recursive });
    const client = ctx.client(values.config);
    let failed = false;
    let first = true;
    for (const parsed of objects) {
      try {
        const { info } = parsed;
        const namespace = placeObject(info, parsed.object, values.namespace);
        const name = parsed.object.metadata?.name ?? '';
        if (name === '')
          throw new UsageError(`${parsed.source}: document ${parsed.document}: replace needs metadata.name`);
        const object = replacement(parsed, values['save-config'] ?? false);
        let replaced: KindObject;
        if (values.force) {
          await deleteAndWait(client, info, namespace, name, options, ctx.io.signal, timeoutMs);
          ctx.io.write(`${kindLabel(info)} "${name}" deleted\n`);
          if (object.metadata) {
            object.metadata.resourceVersion = '';
            object.metadata.uid = '';
          }
          replaced = await client.create(info, object);
        } else {
          if ((object.metadata?.resourceVersion ?? '') === '' && object.metadata) {
            object.metadata.resourceVersion =
              (await client.get(info, namespace, name)).metadata?.resourceVersion ?? '';
          }
          replaced =
            dryRun === 'client' ? object : await client.update(info, object, { dryRun: dryRun === 'server' });
        }
        ctx.io.write(renderChanged(output, info, replaced, `replaced${dryRunSuffix(dryRun)}`, first));
        first = false;
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

/**
 * The object to write. As kubectl does, the last-applied record is written anew
 * when asked (--save-config) or when the manifest carries one; otherwise the
 * manifest is written as it is, which drops a record the live object had.
 */
function replacement(parsed: SourcedObject, saveConfig: boolean): KindObject {
  const raw = parsed.raw as JsonObject;
  if (!saveConfig && !hasLastApplied(raw)) return parsed.object;
  const recorded = decodeObject(parsed.info, appliedManifest(parsed), {
    source: parsed.source,
    document: parsed.document,
  });
  if (recorded.metadata) recorded.metadata.resourceVersion = parsed.object.metadata?.resourceVersion ?? '';
  return recorded;
}

async function deleteAndWait(
  client: ApiClient,
  info: KindInfo,
  namespace: string,
  name: string,
  options: ReturnType<typeof deleteOptions>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  try {
    await client.delete(info, namespace, name, options);
  } catch (err) {
    if (!isApiError(err, Code.NOT_FOUND)) throw err;
  }
  // Finalizers and graceful termination keep an object after its Delete returns.
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      await client.get(info, namespace, name);
    } catch (err) {
      if (isApiError(err, Code.NOT_FOUND)) return;
      throw err;
    }
    if (signal.aborted) throw new Error('interrupted while waiting for the deletion');
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out waiting for ${kindLabel(info)} "${name}" to be deleted (finalizers or a grace period hold it; see --timeout)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match)
    throw new UsageError(`--timeout must be a duration such as 30s or 2m, not ${JSON.stringify(value)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Number(match[1]) * unit;
}
