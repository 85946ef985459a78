/**
 * `whctl apply --server-side`: the manifest is sent as it is written (Patch with
 * PATCH_TYPE_APPLY) and the server merges it, records the fields as the field manager's
 * (`whctl` unless `--field-manager` says otherwise), removes the fields that manager
 * applied before and no longer does, and creates a missing object. A field another
 * manager owns with a different value is a conflict, unless `--force-conflicts` takes it.
 * Printed as kubectl prints it: `deployment.apps/web serverside-applied`.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { ApiError, Code } from '../../../sdk/errors.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { fieldOf } from '../../../sdk/kinds.js';
import type { DryRun } from '../flags.js';
import type { SourcedObject } from '../manifests.js';
import { identity, SERVER_METADATA } from './apply.js';

/** The field manager of `whctl apply --server-side`, as kubectl's is `kubectl`. */
export const DEFAULT_SERVER_SIDE_MANAGER = 'whctl';

export interface ServerSideApplyOptions {
  readonly fieldManager: string;
  readonly force: boolean;
}

/** Applies one object whose namespace is already placed; resolves with the object as the server answered. */
export async function applyServerSide(
  client: ApiClient,
  parsed: SourcedObject,
  dryRun: DryRun,
  opts: ServerSideApplyOptions,
): Promise<KindObject> {
  const { info } = parsed;
  const { namespace, name } = identity(parsed);
  const config = configurationOf(parsed, namespace);
  if (dryRun === 'client') return parsed.object;
  const response = await client.call(info, `patch${info.kind}`, {
    ...(info.namespaced ? { namespace } : {}),
    name,
    type: PatchType.PATCH_TYPE_APPLY,
    patch: JSON.stringify(config),
    dryRun: dryRun === 'server',
    fieldManager: opts.fieldManager,
    force: opts.force,
  });
  return response[fieldOf(info)] as KindObject;
}

/**
 * The manifest as written (so that `paused: false` is applied, not left out), with the
 * placed namespace and without what only the server sets.
 */
function configurationOf(parsed: SourcedObject, namespace: string): Record<string, unknown> {
  const raw = structuredClone(parsed.raw) as Record<string, unknown>;
  delete raw.status;
  const metadata = (raw.metadata ?? {}) as Record<string, unknown>;
  for (const field of SERVER_METADATA) delete metadata[field];
  if (parsed.info.namespaced) metadata.namespace = namespace;
  else delete metadata.namespace;
  raw.metadata = metadata;
  return raw;
}

/** kubectl's advice after a conflict, for whctl. */
const conflictAdvice = `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in which case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
`;

/** An apply conflict as kubectl reports it; undefined for any other error. */
export function formatApplyConflict(err: unknown): string | undefined {
  if (!(err instanceof ApiError) || err.code !== Code.ABORTED) return undefined;
  if (!err.causes.some((c) => c.reason === 'FieldManagerConflict')) return undefined;
  return `error: ${err.message}\n${conflictAdvice}`;
}
