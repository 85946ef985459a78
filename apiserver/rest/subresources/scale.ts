/**
 * `<resource>/scale` of Deployments, ReplicaSets and StatefulSets: GET, PUT and PATCH of
 * an autoscaling/v1 Scale, through the same functions as the gRPC Get/Update<Kind>Scale
 * (kinds/shared/scale.ts). `kubectl scale` sends a merge patch of spec.replicas.
 */
import { ApiError } from '../../../sdk/errors.js';
import { Scale } from '../../../sdk/gen/wheelhouse/apps/v1/scale.js';
import { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindInfo, kinds } from '../../../sdk/kinds.js';
import type { Json, JsonObject } from '../../../sdk/manifest/index.js';
import { applyJsonPatch, JsonPatchError } from '../../../sdk/patch/json-patch.js';
import { applyMergePatch } from '../../../sdk/patch/merge-patch.js';
import { getScale, type Scalable, updateScale } from '../../kinds/shared/scale.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { HttpError } from '../errors.js';
import { dryRunOf } from '../options.js';
import { bound } from '../resources.js';
import type { RestHandler, RestRequest, RestServices, RestSubresource } from '../types.js';
import { jsonBodyOf } from './body.js';

/** A Scale as the REST API writes it. */
export function scaleJson(scale: Scale): JsonObject {
  const meta = scale.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta?.name ?? '',
      namespace: meta?.namespace ?? '',
      uid: meta?.uid ?? '',
      resourceVersion: meta?.resourceVersion ?? '',
      ...(meta?.creationTimestamp
        ? { creationTimestamp: meta.creationTimestamp.toISOString().replace(/\.\d{3}Z$/, 'Z') }
        : {}),
    },
    spec: scale.spec?.replicas ? { replicas: scale.spec.replicas } : {},
    status: {
      replicas: scale.status?.replicas ?? 0,
      ...(scale.status?.selector ? { selector: scale.status.selector } : {}),
    },
  };
}

function scaleFromJson(json: JsonObject, namespace: string, name: string): Scale {
  const spec = json.spec;
  const replicas = spec && typeof spec === 'object' && !Array.isArray(spec) ? spec.replicas : undefined;
  if (replicas !== undefined && replicas !== null && !Number.isInteger(replicas)) {
    throw ApiError.invalid(
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be an integer`,
      [{ field: 'spec.replicas', reason: 'FieldValueInvalid', message: 'must be an integer' }],
    );
  }
  const meta =
    json.metadata && typeof json.metadata === 'object' && !Array.isArray(json.metadata) ? json.metadata : {};
  return Scale.fromPartial({
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: ObjectMeta.fromPartial({
      name,
      namespace,
      resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '',
    }),
    spec: { replicas: typeof replicas === 'number' ? replicas : 0 },
  });
}

function patched(req: RestRequest, current: JsonObject, body: Buffer): JsonObject {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let patch: Json;
  try {
    patch = JSON.parse(body.toString('utf8')) as Json;
  } catch (err) {
    throw HttpError.badRequest(`the patch is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  let result: Json;
  if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
    // A Scale has no lists: a strategic merge patch of it is a merge patch.
    result = applyMergePatch(current, patch);
  } else if (type === 'application/json-patch+json') {
    try {
      result = applyJsonPatch(current, patch);
    } catch (err) {
      if (err instanceof JsonPatchError)
        throw HttpError.badRequest(`the JSON patch does not apply: ${err.message}`);
      throw err;
    }
  } else {
    throw HttpError.unsupportedMediaType(
      `the scale subresource takes patches of Content-Type application/merge-patch+json, application/strategic-merge-patch+json or application/json-patch+json, not "${type}"`,
    );
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw HttpError.badRequest('the patched Scale is not an object');
  }
  return result;
}

function scaleHandler(info: KindInfo): RestHandler {
  return async (req: RestRequest, _res, services: RestServices) => {
    const namespace = req.namespace || 'default';
    const registry = services.registries.get(info.kind) as unknown as GenericRegistry<Scalable>;
    const verb = req.method === 'GET' ? 'get' : req.method === 'PUT' ? 'update' : 'patch';
    const ctx = await services.authorize(req, {
      verb,
      info,
      subresource: 'scale',
      namespace,
      name: req.name,
      dryRun: req.method !== 'GET' && dryRunOf(req.url.searchParams),
    });
    if (req.method === 'GET') return { body: scaleJson(await getScale(registry, namespace, req.name)) };
    let desired: Scale;
    if (req.method === 'PUT') {
      const body = await jsonBodyOf(req, 'Scale', ['autoscaling/v1']);
      desired = scaleFromJson(body, namespace, req.name);
    } else {
      const current = scaleJson(await getScale(registry, namespace, req.name));
      const result = patched(req, current, await req.body());
      desired = scaleFromJson(result, namespace, req.name);
      // The resourceVersion read just now guards nothing the client asked for: only one the patch names does.
      const named = (result.metadata as JsonObject | undefined)?.resourceVersion;
      if (named === (current.metadata as JsonObject).resourceVersion && desired.metadata) {
        desired.metadata.resourceVersion = '';
      }
    }
    return { body: scaleJson(await updateScale(registry, desired, bound(ctx, req))) };
  };
}

/** `deployments/scale`, `replicasets/scale`, `statefulsets/scale`: every kind with a scale subresource. */
export const scaleSubresources: ReadonlyMap<string, RestSubresource> = new Map(
  kinds
    .filter((info) => info.scale)
    .map((info): [string, RestSubresource] => [
      `${info.resource}/scale`,
      {
        methods: ['GET', 'PUT', 'PATCH'],
        verbs: ['get', 'patch', 'update'],
        kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        handler: scaleHandler(info),
      },
    ]),
);
