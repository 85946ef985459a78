/**
 * Patch: an update whose new object is made by the server from the object as it now
 * is, as Kubernetes' patch handler does. The current object is turned into its manifest
 * JSON form, the patch applied (JSON patch, JSON merge patch or strategic merge patch),
 * the result decoded strictly (an unknown field is an error, not silently dropped) and
 * written through the generic registry's update path: the same defaulting, admission
 * (UPDATE), validation and system metadata as Update, or as UpdateStatus for a status
 * patch.
 *
 * Concurrency: a patch that does not name a resourceVersion is applied again to a fresh
 * read whenever someone else wrote in between, so concurrent patches never lose each
 * other's changes; one that names `metadata.resourceVersion` makes it a precondition, and
 * a different current revision is ABORTED, as for Update.
 *
 * Server-side apply (PATCH_TYPE_APPLY, REST's `application/apply-patch+yaml`) is the same
 * entry point: `patchObject` with `fieldManager` (required) and `force`. The document is
 * YAML or JSON; the object is created when missing (after `mayCreate` allowed it).
 * Conflicts are ABORTED with Kubernetes' message and one FieldManagerConflict cause per
 * field (`field: .spec.replicas`, `message: conflict with "alice"`): REST answers them as
 * 409 Conflict. Every other patch records its manager's fields as an Update.
 */
import { parse as parseYaml } from 'yaml';
import { ApiError, Code } from '../../sdk/errors.js';
import { ObjectMeta, PatchType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo } from '../../sdk/kinds.js';
import {
  decodeObject,
  encodeObject,
  type Json,
  type JsonObject,
  ManifestError,
} from '../../sdk/manifest/index.js';
import { applyJsonPatch, JsonPatchError, parseJsonPatch } from '../../sdk/patch/json-patch.js';
import {
  ApplyConflictError,
  applyConfiguration,
  encodeManagedFields,
  fieldManagerOf,
} from '../../sdk/patch/managed-fields.js';
import { applyMergePatch } from '../../sdk/patch/merge-patch.js';
import { applyStrategicMergePatch, PatchError } from '../../sdk/patch/strategic-merge.js';
import { FieldPathError } from '../../sdk/patch/typed-value.js';
import { parseResourceVersion } from './context.js';
import type { GenericRegistry } from './generic-registry.js';
import type { RequestContext } from './request-context.js';

/** Kubernetes' limit on the operations of one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

export interface PatchRequest {
  readonly namespace: string;
  readonly name: string;
  readonly type: PatchType;
  /** The patch document, JSON text. */
  readonly patch: string;
  /** Patch the status subresource: only status changes are kept. */
  readonly status: boolean;
  /**
   * Who makes the change: owns the fields it sets in metadata.managedFields. Required for
   * PATCH_TYPE_APPLY; for the others, empty means `ctx.fieldManager`.
   */
  readonly fieldManager?: string;
  /** PATCH_TYPE_APPLY only: take fields other managers own instead of failing on conflicts. */
  readonly force?: boolean;
  /**
   * Called before an apply creates a missing object: throws (PERMISSION_DENIED) unless the
   * caller may also `create`. Without it, apply never creates (NOT_FOUND).
   */
  readonly mayCreate?: () => Promise<void>;
}

/** Patches one object through `registry` and returns it as written (or as it would be, on a dry run). */
export async function patchObject<T extends KindObject>(
  registry: GenericRegistry<T>,
  request: PatchRequest,
  ctx: RequestContext,
): Promise<T> {
  if (request.force && request.type !== PatchType.PATCH_TYPE_APPLY) {
    throw ApiError.invalid('force: Forbidden: may not be specified for non-apply patch; leave it out', [
      { field: 'force', reason: 'FieldValueForbidden', message: 'may not be specified for non-apply patch' },
    ]);
  }
  if (request.fieldManager) ctx = { ...ctx, fieldManager: request.fieldManager };
  if (request.type === PatchType.PATCH_TYPE_APPLY) return applyObject(registry, request, ctx);
  const info = registry.info;
  const apply = patchFunctionOf(info, request.type, request.patch);
  const pinned = pinnedResourceVersion(request.type, apply.document);
  return registry.updateBy(
    request.namespace,
    request.name,
    ctx,
    request.status ? 'status' : 'main',
    (current) => {
      const currentVersion = current.metadata?.resourceVersion ?? '';
      const patched = apply.to(encodeObject(info, current));
      const next = decodePatched(info, patched) as T;
      const version = next.metadata?.resourceVersion ?? '';
      // A resourceVersion the patch wrote some way pinnedResourceVersion does not see.
      if (version !== currentVersion) {
        throw ApiError.conflict(
          `Operation cannot be fulfilled on ${info.resource} "${request.name}": the patch requires resourceVersion ${version || '""'}, the object is at ${currentVersion}; read the object again and patch against its resourceVersion, or leave metadata.resourceVersion out of the patch`,
        );
      }
      return next;
    },
    pinned,
  );
}

export interface PatchFunction {
  /** The parsed patch document. */
  readonly document: Json;
  /** Applies the patch to the manifest form of the current object. */
  to(current: JsonObject): Json;
}

/**
 * A JSON, merge or strategic merge patch (`text`) of a `info`'s object as a function of its
 * manifest form; a patch that is not JSON, of the wrong shape, or of another type is
 * INVALID_ARGUMENT, and so is one that cannot be applied, naming where.
 */
export function patchFunctionOf(info: KindInfo, type: PatchType, text: string): PatchFunction {
  return patchFunction(info, type, parsePatch(text));
}

function patchFunction(info: KindInfo, type: PatchType, document: Json): PatchFunction {
  switch (type) {
    case PatchType.PATCH_TYPE_JSON: {
      const operations = wrap(() => parseJsonPatch(document));
      if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
        throw ApiError.invalid(
          `the JSON patch has ${operations.length} operations, more than the ${MAX_JSON_PATCH_OPERATIONS} allowed; split it into several patches`,
        );
      }
      return { document, to: (current) => wrap(() => applyJsonPatch(current, operations)) };
    }
    case PatchType.PATCH_TYPE_MERGE:
      requireObject(document, 'merge');
      return { document, to: (current) => applyMergePatch(current, document) };
    case PatchType.PATCH_TYPE_STRATEGIC_MERGE: {
      const patch = requireObject(document, 'strategic merge');
      return { document, to: (current) => wrap(() => applyStrategicMergePatch(info.kind, current, patch)) };
    }
    default:
      throw ApiError.invalid(
        `type: Unsupported value: ${PatchType[type] ?? type}: supported values: PATCH_TYPE_JSON, PATCH_TYPE_MERGE, PATCH_TYPE_STRATEGIC_MERGE, PATCH_TYPE_APPLY`,
        [
          {
            field: 'type',
            reason: 'FieldValueNotSupported',
            message:
              'supported values: PATCH_TYPE_JSON, PATCH_TYPE_MERGE, PATCH_TYPE_STRATEGIC_MERGE, PATCH_TYPE_APPLY',
          },
        ],
      );
  }
}

function parsePatch(text: string): Json {
  if (text.trim() === '') {
    throw ApiError.invalid('patch: Required value: the patch document is empty; send JSON text', [
      { field: 'patch', reason: 'FieldValueRequired', message: 'Required value' },
    ]);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw ApiError.invalid(`patch: Invalid value: the patch is not valid JSON: ${why}`, [
      { field: 'patch', reason: 'FieldValueInvalid', message: `not valid JSON: ${why}` },
    ]);
  }
}

function requireObject(document: Json, what: string): JsonObject {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    const got = Array.isArray(document)
      ? 'an array (a JSON patch? send it as PATCH_TYPE_JSON)'
      : JSON.stringify(document);
    throw ApiError.invalid(`patch: Invalid value: a ${what} patch must be a JSON object, got ${got}`, [
      { field: 'patch', reason: 'FieldValueInvalid', message: `a ${what} patch must be a JSON object` },
    ]);
  }
  return document;
}

/**
 * The resourceVersion the patch itself sets, which makes it a precondition: a merge or
 * strategic patch's `metadata.resourceVersion`, a JSON patch's add/replace of
 * `/metadata/resourceVersion` (or of `/metadata` with one).
 */
function pinnedResourceVersion(type: PatchType, document: Json): number | undefined {
  let version: Json | undefined;
  if (type === PatchType.PATCH_TYPE_JSON && Array.isArray(document)) {
    for (const op of document) {
      if (!isObject(op) || (op.op !== 'add' && op.op !== 'replace')) continue;
      if (op.path === '/metadata/resourceVersion') version = op.value;
      if (op.path === '/metadata' && isObject(op.value)) version = op.value.resourceVersion;
    }
  } else if (isObject(document) && isObject(document.metadata)) {
    version = document.metadata.resourceVersion;
  }
  if (typeof version !== 'string') return undefined;
  return parseResourceVersion(version, 'metadata.resourceVersion');
}

/** The patched manifest back to the kind's type; an unknown field or a wrong type is named by its path. */
function decodePatched(info: KindInfo, patched: Json): KindObject {
  try {
    return decodeObject(info, patched);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    const field = err.path ?? '';
    throw ApiError.invalid(`${info.kind} is invalid after the patch: ${err.problem}; fix the patch`, [
      { field, reason: 'FieldValueInvalid', message: err.problem },
    ]);
  }
}

/** The patch libraries' errors as INVALID_ARGUMENT naming where in the patch or object. */
function wrap<R>(fn: () => R): R {
  try {
    return fn();
  } catch (err) {
    if (err instanceof JsonPatchError) {
      throw ApiError.invalid(`the JSON patch cannot be applied: ${err.message}`, [
        { field: err.path, reason: 'FieldValueInvalid', message: err.message },
      ]);
    }
    if (err instanceof PatchError) {
      throw ApiError.invalid(`the strategic merge patch cannot be applied: ${err.message}`, [
        { field: err.path, reason: 'FieldValueInvalid', message: err.message },
      ]);
    }
    throw err;
  }
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Server-side apply of `request.patch` as `request.fieldManager`; see the file's comment. */
async function applyObject<T extends KindObject>(
  registry: GenericRegistry<T>,
  request: PatchRequest,
  ctx: RequestContext,
): Promise<T> {
  const info = registry.info;
  const manager = requireFieldManager(request.fieldManager);
  const config = parseApplyConfiguration(info, request);
  const pinned = pinnedResourceVersion(PatchType.PATCH_TYPE_APPLY, config);
  const fields = registry.fields;
  const subresource = request.status ? 'status' : '';
  const run = (current: T | undefined): T => {
    let applied: ReturnType<typeof applyConfiguration>;
    try {
      applied = applyConfiguration({
        node: fields.node,
        live: current ? encodeObject(info, current) : undefined,
        config,
        managers: current ? fields.managersOf(current, current) : [],
        manager,
        apiVersion: fields.apiVersion,
        scope: fields.scope(subresource),
        force: request.force === true,
        now: ctx.now,
      });
    } catch (err) {
      throw applyError(info, request.name, err);
    }
    const next = decodePatched(info, applied.object) as T;
    next.metadata ??= ObjectMeta.create();
    next.metadata.managedFields = encodeManagedFields(applied.managers);
    if (current === undefined) {
      next.metadata.name = request.name;
      next.metadata.namespace = request.namespace;
    }
    return next;
  };
  // An apply races creates and deletes of the same name: each loses to the other at most a few times.
  for (let attempt = 0; ; attempt++) {
    try {
      return await registry.updateBy(
        request.namespace,
        request.name,
        ctx,
        request.status ? 'status' : 'main',
        (current) => run(current),
        pinned,
        'asGiven',
      );
    } catch (err) {
      const missing = err instanceof ApiError && err.code === Code.NOT_FOUND;
      if (!missing || request.status || !request.mayCreate || attempt >= 3) throw err;
    }
    await request.mayCreate();
    try {
      return await registry.create(run(undefined), ctx, 'asGiven');
    } catch (err) {
      const exists = err instanceof ApiError && err.code === Code.ALREADY_EXISTS;
      if (!exists || attempt >= 3) throw err;
    }
  }
}

function requireFieldManager(fieldManager: string | undefined): string {
  if (!fieldManager) {
    throw ApiError.invalid(
      'fieldManager: Required value: is required for apply patch; name the applier (whctl apply --server-side --field-manager=<name>)',
      [{ field: 'fieldManager', reason: 'FieldValueRequired', message: 'is required for apply patch' }],
    );
  }
  try {
    return fieldManagerOf(fieldManager, undefined);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw ApiError.invalid(why, [{ field: 'fieldManager', reason: 'FieldValueInvalid', message: why }]);
  }
}

/**
 * The applied configuration: one YAML or JSON object of the kind, naming the object the
 * request names (or no name at all), without managedFields.
 */
function parseApplyConfiguration(info: KindInfo, request: PatchRequest): JsonObject {
  if (request.patch.trim() === '') {
    throw ApiError.invalid(
      'patch: Required value: the applied configuration is empty; send the object as YAML or JSON',
      [{ field: 'patch', reason: 'FieldValueRequired', message: 'Required value' }],
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(request.patch);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw ApiError.invalid(
      `patch: Invalid value: the applied configuration is not valid YAML or JSON: ${why}`,
      [{ field: 'patch', reason: 'FieldValueInvalid', message: `not valid YAML or JSON: ${why}` }],
    );
  }
  const config = requireObject(doc as Json, 'apply');
  const apiVersion = apiVersionOf(info);
  const invalid = (field: string, message: string) =>
    ApiError.invalid(`${info.kind} "${request.name}" cannot be applied: ${field}: ${message}`, [
      { field, reason: 'FieldValueInvalid', message },
    ]);
  if (config.apiVersion !== apiVersion) {
    throw invalid(
      'apiVersion',
      `Invalid value: ${JSON.stringify(config.apiVersion ?? '')}: this endpoint applies ${apiVersion}; set apiVersion: ${apiVersion}`,
    );
  }
  if (config.kind !== info.kind) {
    throw invalid(
      'kind',
      `Invalid value: ${JSON.stringify(config.kind ?? '')}: this endpoint applies ${info.kind}; set kind: ${info.kind}`,
    );
  }
  const meta = isObject(config.metadata) ? config.metadata : {};
  if (meta.name !== undefined && meta.name !== request.name) {
    throw invalid(
      'metadata.name',
      `Invalid value: ${JSON.stringify(meta.name)}: the name of the object does not match the name of the request (${request.name})`,
    );
  }
  if (
    info.namespaced &&
    meta.namespace !== undefined &&
    meta.namespace !== '' &&
    meta.namespace !== request.namespace
  ) {
    throw invalid(
      'metadata.namespace',
      `Invalid value: ${JSON.stringify(meta.namespace)}: the namespace of the object does not match the namespace of the request (${request.namespace})`,
    );
  }
  if (meta.managedFields !== undefined && meta.managedFields !== null) {
    throw invalid(
      'metadata.managedFields',
      'Forbidden: an applied configuration may not set managedFields; leave them out',
    );
  }
  return config;
}

/** Apply's errors as the API's: conflicts ABORTED with a cause per field, bad lists INVALID_ARGUMENT. */
function applyError(info: KindInfo, name: string, err: unknown): unknown {
  if (err instanceof ApplyConflictError) {
    return ApiError.conflict(err.message, {
      name,
      group: info.apiGroup,
      kind: info.resource,
      causes: err.conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${c.manager}`,
        field: c.path,
      })),
    });
  }
  if (err instanceof FieldPathError) {
    const field = err.path.replace(/^\./, '');
    return ApiError.invalid(`${info.kind} "${name}" cannot be applied: ${err.message}`, [
      { field, reason: 'FieldValueInvalid', message: err.problem },
    ]);
  }
  return err;
}
