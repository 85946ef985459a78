/**
 * Writes through an alternate served version (served-versions.ts): a create makes the
 * stored object of the view's body; an update or a patch changes the stored object as it
 * now is, only in what the view shows of it. Updates and patches go through
 * `GenericRegistry.updateBy`: the body is converted against the object being replaced, on
 * a fresh read after a conflict unless the body names a resourceVersion (then a different
 * one is a 409), with the same defaulting, admission and validation as any update.
 *
 * A body in the stored version itself is taken as it is, as Kubernetes takes any version
 * of the kind at any of its endpoints. Server-side apply is not served through a view.
 */
import { ApiError } from '../../../sdk/errors.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo } from '../../../sdk/kinds.js';
import { decodeObject, type JsonObject, ManifestError } from '../../../sdk/manifest/index.js';
import { parseResourceVersion } from '../../registry/context.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { patchFunctionOf } from '../../registry/patch.js';
import type { RequestContext } from '../../registry/strategy.js';
import { decodeRestObject, encodeRestObject, type FieldValidation } from '../codec.js';
import { HttpError } from '../errors.js';
import { type ServedVersion, type ViewFields, viewApiVersion } from './served-versions.js';

/**
 * A body sent to `view` decoded as the stored kind: on create (`stored` undefined), or
 * against the stored object it replaces.
 */
export function decodeThroughView(
  info: KindInfo,
  view: ServedVersion,
  json: unknown,
  stored: JsonObject | undefined,
  validation: FieldValidation,
): { object: KindObject; warnings: string[] } {
  if (!isObject(json) || json.apiVersion === apiVersionOf(info))
    return decodeRestObject(info, json, validation);
  const expected = viewApiVersion(info, view);
  if (json.apiVersion !== undefined && json.apiVersion !== expected) {
    throw HttpError.badRequest(
      `the API version in the data (${String(json.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  const unknown = unknownFields(json, view.converter.fields);
  if (unknown.length > 0 && validation === 'Strict') {
    throw HttpError.badRequest(
      `${info.kind} in version "${view.version}" cannot be handled as a ${info.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
    );
  }
  const decoded = decodeRestObject(info, view.converter.toStored(json, stored), validation);
  if (validation !== 'Warn') return decoded;
  return {
    object: decoded.object,
    warnings: [...unknown.map((f) => `unknown field "${f}"`), ...decoded.warnings],
  };
}

/** PUT through a view: the body against the current object; `place` checks its name and namespace. */
export async function updateThroughView(
  registry: GenericRegistry<KindObject>,
  view: ServedVersion,
  json: unknown,
  target: { namespace: string; name: string; status: boolean; validation: FieldValidation },
  ctx: RequestContext,
  place: (object: KindObject) => void,
): Promise<{ object: KindObject; warnings: string[] }> {
  const info = registry.info;
  const sent = isObject(json) && isObject(json.metadata) ? json.metadata.resourceVersion : undefined;
  const expected =
    typeof sent === 'string' ? parseResourceVersion(sent, 'metadata.resourceVersion') : undefined;
  if (expected === undefined && !target.status && !registry.strategy.allowUnconditionalUpdate) {
    throw ApiError.invalid(
      `metadata.resourceVersion: Invalid value: must be specified for an update of ${info.resource} "${target.name}"`,
      [
        {
          field: 'metadata.resourceVersion',
          reason: 'FieldValueRequired',
          message: 'must be specified for an update',
        },
      ],
    );
  }
  let warnings: string[] = [];
  const object = await registry.updateBy(
    target.namespace,
    target.name,
    ctx,
    target.status ? 'status' : 'main',
    (current) => {
      const decoded = decodeThroughView(info, view, json, encodeRestObject(info, current), target.validation);
      warnings = decoded.warnings;
      place(decoded.object);
      return decoded.object;
    },
    expected,
  );
  return { object, warnings };
}

/** PATCH through a view: the patch applied to the view of the current object, the result written back. */
export async function patchThroughView(
  registry: GenericRegistry<KindObject>,
  view: ServedVersion,
  request: {
    namespace: string;
    name: string;
    type: PatchType;
    patch: string;
    status: boolean;
    force: boolean;
  },
  ctx: RequestContext,
): Promise<KindObject> {
  const info = registry.info;
  if (request.force) {
    throw ApiError.invalid('force: Forbidden: may not be specified for non-apply patch; leave it out', [
      { field: 'force', reason: 'FieldValueForbidden', message: 'may not be specified for non-apply patch' },
    ]);
  }
  if (request.type === PatchType.PATCH_TYPE_APPLY) {
    throw HttpError.unsupportedMediaType(
      `server-side apply of ${info.resource} is not served at ${viewApiVersion(info, view)}: apply the object as ${apiVersionOf(info)}`,
    );
  }
  // The view's fields have the stored kind's names, so the stored kind's patch strategies apply.
  const apply = patchFunctionOf(info, request.type, request.patch);
  return registry.updateBy(
    request.namespace,
    request.name,
    ctx,
    request.status ? 'status' : 'main',
    (current) => {
      const stored = encodeRestObject(info, current);
      const shown = view.converter.fromStored(stored);
      const patched = apply.to(shown);
      if (!isObject(patched))
        throw invalidAfterPatch(info, '', `expected an object, got ${JSON.stringify(patched)}`);
      const unknown = unknownFields(patched, view.converter.fields);
      if (unknown[0] !== undefined)
        throw invalidAfterPatch(info, unknown[0], `unknown field "${unknown[0]}"`);
      const version = isObject(patched.metadata) ? patched.metadata.resourceVersion : undefined;
      const currentVersion = current.metadata?.resourceVersion ?? '';
      if ((version ?? '') !== currentVersion) {
        throw ApiError.conflict(
          `Operation cannot be fulfilled on ${info.resource} "${request.name}": the patch requires resourceVersion ${JSON.stringify(version ?? '')}, the object is at ${currentVersion}; read the object again and patch against its resourceVersion, or leave metadata.resourceVersion out of the patch`,
        );
      }
      try {
        return decodeObject(info, view.converter.toStored(patched, stored));
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        throw invalidAfterPatch(info, err.path ?? '', err.problem);
      }
    },
  );
}

/** The paths (`spec.foo`) of the fields of `json` that the view does not have. */
function unknownFields(json: JsonObject, fields: ViewFields, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(json)) {
    const known = fields[key];
    const path = `${prefix}${key}`;
    if (known === undefined) out.push(path);
    else if (known !== true && isObject(value)) out.push(...unknownFields(value, known, `${path}.`));
  }
  return out;
}

function invalidAfterPatch(info: KindInfo, field: string, problem: string): ApiError {
  return ApiError.invalid(`${info.kind} is invalid after the patch: ${problem}; fix the patch`, [
    { field, reason: 'FieldValueInvalid', message: problem },
  ]);
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
