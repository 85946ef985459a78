/**
 * The verbs of stored kinds over REST: get, list, watch, create, update, patch, delete and
 * deletecollection of `/api/v1/...` and `/apis/<group>/<version>/...`, and the `status`
 * subresource. Each authorizes through the same gate as the gRPC service of the kind and
 * then calls the kind's registry, as apiserver/services/kind-service.ts does; what differs
 * is only how requests are read and answers written. At an alternate served version
 * (versions/) answers are that version's view and writes go through it.
 */
import { ApiError } from '../../sdk/errors.js';
import { ObjectMeta, PatchType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import type { JsonObject } from '../../sdk/manifest/index.js';
import { fieldManagerOf } from '../../sdk/patch/managed-fields.js';
import { patchObject } from '../registry/patch.js';
import type { RequestContext } from '../registry/strategy.js';
import { acceptsJson, objectFormOf } from './accept.js';
import {
  decodeRestObject,
  encodeRestList,
  encodeRestObject,
  fieldValidationOf,
  parseJsonBody,
} from './codec.js';
import { HttpError } from './errors.js';
import { decodeProtobufObject, isProtobufContentType, protobufMediaType } from './k8s-protobuf/index.js';
import { deleteOptionsOf, dryRunOf, isWatch, listOptionsOf } from './options.js';
import { tableOf } from './table/index.js';
import type { RestRequest, RestResponse, RestResult, RestServices } from './types.js';
import type { ServedVersion } from './versions/served-versions.js';
import { decodeThroughView, patchThroughView, updateThroughView } from './versions/writes.js';
import { serveWatch } from './watch.js';

/** PATCH content types and the patch each is. */
const patchTypes: ReadonlyMap<string, PatchType> = new Map<string, PatchType>([
  ['application/json-patch+json', PatchType.PATCH_TYPE_JSON],
  ['application/merge-patch+json', PatchType.PATCH_TYPE_MERGE],
  ['application/strategic-merge-patch+json', PatchType.PATCH_TYPE_STRATEGIC_MERGE],
  // Server-side apply, once the registry takes it (PATCH_TYPE_APPLY).
  ...applyPatchType(),
]);

function applyPatchType(): [string, PatchType][] {
  const apply = (PatchType as unknown as Record<string, PatchType | undefined>).PATCH_TYPE_APPLY;
  return apply === undefined ? [] : [['application/apply-patch+yaml', apply]];
}

/**
 * Serves a request for a stored kind's collection, one object, or its `status`; through
 * `view` when the request is for an alternate served version.
 */
export async function serveKind(
  req: RestRequest,
  res: RestResponse,
  info: KindInfo,
  services: RestServices,
  view?: ServedVersion,
): Promise<RestResult> {
  const registry = services.registries.get(info.kind);
  if (!registry)
    throw ApiError.notFound(`the server could not find the requested resource (${info.resource})`);
  const q = req.url.searchParams;
  const namespace = info.namespaced ? req.namespace : '';
  if (req.subresource !== '' && req.subresource !== 'status') {
    throw ApiError.notFound(
      `the server could not find the requested resource (${info.resource}/${req.subresource})`,
    );
  }
  if (req.subresource === 'status' && !info.status) {
    throw ApiError.notFound(`${info.resource} have no status subresource`);
  }
  const status = req.subresource === 'status';
  const sub = status ? { subresource: 'status' } : {};
  // Every answer is JSON: a client that cannot take JSON is told so before anything is done.
  if (req.method !== 'GET') acceptsJson(req.headers);

  if (req.name === '') {
    if (status)
      throw HttpError.methodNotAllowed('status is a subresource of one object; name it in the path');
    switch (req.method) {
      case 'GET': {
        const form = objectFormOf(req.headers);
        const options = listOptionsOf(q);
        if (isWatch(q)) {
          await services.authorize(req, { verb: 'watch', info, namespace, name: '' });
          return serveWatch(req, res, registry, options, form, view);
        }
        await services.authorize(req, { verb: 'list', info, namespace, name: '' });
        const list = await registry.list(namespace, options);
        const meta = { resourceVersion: list.metadata.resourceVersion, continue: list.metadata.continue };
        if (form === 'table') {
          return {
            body: tableOf(info, list.items, { ...tableOptions(q), listMeta: listMetaJson(meta), view }),
          };
        }
        return { body: encodeRestList(info, list.items, meta, view) };
      }
      case 'POST': {
        const dryRun = dryRunOf(q);
        const object = await readObject(req, res, info, view);
        const meta = metadataOf(object);
        if (info.namespaced) {
          if (meta.namespace && meta.namespace !== namespace) {
            throw HttpError.badRequest(
              `the namespace of the provided object does not match the namespace sent on the request`,
            );
          }
          meta.namespace = namespace;
        }
        const ctx = await services.authorize(req, { verb: 'create', info, namespace, name: '', dryRun });
        const created = await registry.create(object, bound(ctx, req));
        return { status: 201, body: encodeRestObject(info, created, view) };
      }
      case 'DELETE': {
        const dryRun = dryRunOf(q);
        const body = await req.body();
        const ctx = await services.authorize(req, {
          verb: 'deletecollection',
          info,
          namespace,
          name: '',
          dryRun,
        });
        const options = deleteOptionsOf(q, body, req.headers['content-type']);
        const list = await registry.list(namespace, listOptionsOf(q));
        const deleted: KindObject[] = [];
        for (const item of list.items) {
          try {
            deleted.push(
              await registry.delete(
                item.metadata?.namespace ?? '',
                item.metadata?.name ?? '',
                options,
                bound(ctx, req),
              ),
            );
          } catch (err) {
            if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
          }
        }
        return {
          body: encodeRestList(info, deleted, { resourceVersion: list.metadata.resourceVersion }, view),
        };
      }
      default:
        throw HttpError.methodNotAllowed(
          `${req.method} is not supported on a collection of ${info.resource}`,
        );
    }
  }

  const access = { info, namespace, name: req.name, ...sub };
  switch (req.method) {
    case 'GET': {
      const form = objectFormOf(req.headers);
      await services.authorize(req, { verb: 'get', ...access });
      const object = await registry.get(namespace, req.name, q.get('resourceVersion') ?? '');
      if (form === 'table') return { body: tableOf(info, [object], { ...tableOptions(q), view }) };
      return { body: encodeRestObject(info, object, view) };
    }
    case 'PUT': {
      const dryRun = dryRunOf(q);
      const place = (object: KindObject) =>
        placeForUpdate(object, req.name, info.namespaced ? namespace : '');
      if (view) {
        // The body replaces what the view shows of the object as it is when written.
        const ctx = bound(await services.authorize(req, { verb: 'update', ...access, dryRun }), req);
        const json = await readBody(req, info);
        const validation = fieldValidationOf(q);
        const target = { namespace, name: req.name, status, validation };
        const { object, warnings } = await updateThroughView(registry, view, json, target, ctx, place);
        if (warnings.length > 0) addWarnings(res, warnings);
        return { body: encodeRestObject(info, object, view) };
      }
      const object = await readObject(req, res, info);
      place(object);
      const ctx = bound(await services.authorize(req, { verb: 'update', ...access, dryRun }), req);
      const updated = status ? await registry.updateStatus(object, ctx) : await registry.update(object, ctx);
      return { body: encodeRestObject(info, updated) };
    }
    case 'PATCH': {
      const dryRun = dryRunOf(q);
      const type = patchTypeOf(req);
      const ctx = bound(await services.authorize(req, { verb: 'patch', ...access, dryRun }), req);
      const patch = (await req.body()).toString('utf8');
      const force = q.get('force') === 'true';
      const fieldManager = q.get('fieldManager') ?? '';
      if (
        type !== PatchType.PATCH_TYPE_JSON &&
        type !== PatchType.PATCH_TYPE_MERGE &&
        type !== PatchType.PATCH_TYPE_STRATEGIC_MERGE &&
        fieldManager === ''
      ) {
        throw HttpError.badRequest('fieldManager: Required value: is required for apply patch');
      }
      // Server-side apply reads the manager and force; the other patch types ignore them.
      const request = {
        namespace,
        name: req.name,
        type,
        patch,
        status,
        fieldManager,
        force,
        // Server-side apply creates a missing object: only for those who may create it.
        mayCreate: async () => {
          await services.authorize(req, { verb: 'create', info, namespace, name: '', dryRun });
        },
      };
      const patched = view
        ? await patchThroughView(registry, view, request, ctx)
        : await patchObject(registry, request, ctx);
      return { body: encodeRestObject(info, patched, view) };
    }
    case 'DELETE': {
      if (status) throw HttpError.methodNotAllowed('the status subresource cannot be deleted');
      const body = await req.body();
      const options = deleteOptionsOf(q, body, req.headers['content-type']);
      const ctx = await services.authorize(req, { verb: 'delete', ...access, dryRun: options.dryRun });
      const deleted = await registry.delete(namespace, req.name, options, bound(ctx, req));
      // Still there (a grace period or finalizers hold it): 202, as Kubernetes answers.
      const lingering = deleted.metadata?.deletionTimestamp !== undefined && !options.dryRun;
      return { status: lingering ? 202 : 200, body: encodeRestObject(info, deleted, view) };
    }
    default:
      throw HttpError.methodNotAllowed(`${req.method} is not supported on ${info.resource}`);
  }
}

/**
 * The body of a create or update as the kind's object (converted from `view`'s version when
 * given), `fieldValidation` applied; warnings go out as headers.
 */
async function readObject(
  req: RestRequest,
  res: RestResponse,
  info: KindInfo,
  view?: ServedVersion,
): Promise<KindObject> {
  const json = await readBody(req, info);
  const validation = fieldValidationOf(req.url.searchParams);
  const { object, warnings } = view
    ? decodeThroughView(info, view, json, undefined, validation)
    : decodeRestObject(info, json, validation);
  if (warnings.length > 0) addWarnings(res, warnings);
  return object;
}

/** The body as JSON, from JSON, YAML or Kubernetes protobuf. */
async function readBody(req: RestRequest, info: KindInfo): Promise<unknown> {
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase();
  let json: unknown;
  if (contentType === 'application/json' || contentType === '') {
    json = parseJsonBody(info, await req.body());
  } else if (isProtobufContentType(contentType)) {
    // kubectl's generators (create configmap, create deployment, ...) send protobuf.
    const decoded = decodeProtobufObject(await req.body());
    if (decoded.kind !== info.kind) {
      throw HttpError.badRequest(
        `the body is a ${String(decoded.kind)} (${String(decoded.apiVersion)}); ${info.resource} take a ${info.kind}`,
      );
    }
    json = decoded;
  } else if (contentType === 'application/yaml') {
    const { parse } = await import('yaml');
    try {
      json = parse((await req.body()).toString('utf8')) as unknown;
    } catch (err) {
      throw HttpError.badRequest(
        `the body is not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  } else {
    throw HttpError.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, ${protobufMediaType}`,
    );
  }
  return json;
}

/** An update's object takes the name and namespace of the path; a body naming others is a 400. */
function placeForUpdate(object: KindObject, name: string, namespace: string): void {
  const meta = metadataOf(object);
  if (meta.name && meta.name !== name) {
    throw HttpError.badRequest(
      `the name of the object (${meta.name}) does not match the name on the URL (${name})`,
    );
  }
  meta.name = name;
  if (namespace !== '') {
    if (meta.namespace && meta.namespace !== namespace) {
      throw HttpError.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    meta.namespace = namespace;
  }
}

/** `Warning: 299 - "..."` headers, as kube-apiserver words them. */
export function addWarnings(res: RestResponse, warnings: readonly string[]): void {
  const existing = res.getHeader('warning');
  const values = Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)];
  res.setHeader('Warning', [...values, ...warnings.map((w) => `299 - ${JSON.stringify(w)}`)]);
}

function patchTypeOf(req: RestRequest): PatchType {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const type = patchTypes.get(contentType);
  if (type === undefined) {
    throw HttpError.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${[...patchTypes.keys()].join(', ')}`,
    );
  }
  return type;
}

/**
 * The context bound to the request: cancelled when the client goes away, writes owned by
 * the `fieldManager` asked for or else the one the User-Agent names, as Kubernetes does.
 */
export function bound(ctx: RequestContext, req: RestRequest): RequestContext {
  const agent = req.headers['user-agent'];
  const fieldManager = fieldManagerOf(
    req.url.searchParams.get('fieldManager') || undefined,
    typeof agent === 'string' ? agent : undefined,
  );
  return { ...ctx, signal: req.signal, fieldManager };
}

function tableOptions(q: URLSearchParams): { includeObject: 'None' | 'Metadata' | 'Object' } {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') {
    throw HttpError.badRequest(
      `includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`,
    );
  }
  return { includeObject: v };
}

function listMetaJson(meta: { resourceVersion?: string; continue?: string }): JsonObject {
  return {
    ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
    ...(meta.continue ? { continue: meta.continue } : {}),
  };
}

export { tableOptions };

/** The object's metadata, created empty when the body had none. */
function metadataOf(object: KindObject): NonNullable<KindObject['metadata']> {
  object.metadata ??= ObjectMeta.create();
  return object.metadata;
}
