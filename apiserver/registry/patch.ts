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
 */
import { ApiError } from '../../sdk/errors.js';
import { PatchType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import {
  decodeObject,
  encodeObject,
  type Json,
  type JsonObject,
  ManifestError,
} from '../../sdk/manifest/index.js';
import { applyJsonPatch, JsonPatchError, parseJsonPatch } from '../../sdk/patch/json-patch.js';
import { applyMergePatch } from '../../sdk/patch/merge-patch.js';
import { applyStrategicMergePatch, PatchError } from '../../sdk/patch/strategic-merge.js';
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
}

/** Patches one object through `registry` and returns it as written (or as it would be, on a dry run). */
export async function patchObject<T extends KindObject>(
  registry: GenericRegistry<T>,
  request: PatchRequest,
  ctx: RequestContext,
): Promise<T> {
  const info = registry.info;
  const apply = patchFunction(info, request.type, parsePatch(request.patch));
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

interface PatchFunction {
  /** The parsed patch document. */
  readonly document: Json;
  /** Applies the patch to the manifest form of the current object. */
  to(current: JsonObject): Json;
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
        `type: Unsupported value: ${PatchType[type] ?? type}: supported values: PATCH_TYPE_JSON, PATCH_TYPE_MERGE, PATCH_TYPE_STRATEGIC_MERGE`,
        [
          {
            field: 'type',
            reason: 'FieldValueNotSupported',
            message: 'supported values: PATCH_TYPE_JSON, PATCH_TYPE_MERGE, PATCH_TYPE_STRATEGIC_MERGE',
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
