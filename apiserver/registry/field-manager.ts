/**
 * metadata.managedFields of one kind, kept by the registry on every create, update and
 * patch (operation Update) and set by server-side apply (patch.ts). The sets themselves
 * are sdk/patch/managed-fields.ts; this is where they meet the kind's typed objects and
 * the request.
 *
 * What a write starts from, as in Kubernetes: the managedFields the request carries when
 * it changed them (a client may edit or restore them), `[{}]` clearing them all, and the
 * stored ones when the request leaves them out or sends them back unchanged.
 */
import { ApiError } from '../../sdk/errors.js';
import type { ManagedFieldsEntry } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo } from '../../sdk/kinds.js';
import type { Json, JsonObject } from '../../sdk/manifest/index.js';
import { type ApplyNode, applyNodeOfKind } from '../../sdk/patch/list-types.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  isClearingManagedFields,
  type ManagedFields,
  type TrackingScope,
  trackUpdate,
} from '../../sdk/patch/managed-fields.js';
import { jsonEqual } from '../../sdk/patch/typed-value.js';
import type { RequestContext } from './request-context.js';

/** Whose a write's fields are when the request names no manager (the apiserver's own writes). */
export const DEFAULT_FIELD_MANAGER = 'unknown';

export interface FieldManager {
  readonly node: ApplyNode;
  readonly apiVersion: string;
  /** Which fields a write through `subresource` may own. */
  scope(subresource: string): TrackingScope;
  /** The managers the request starts from; INVALID_ARGUMENT for managedFields that are not valid. */
  managersOf(obj: KindObject, old: KindObject | undefined): ManagedFields[];
  /** Sets `obj`'s managedFields after a create (`old` undefined) or an update by the request's manager. */
  recordUpdate(obj: KindObject, old: KindObject | undefined, ctx: RequestContext, subresource: string): void;
}

export function createFieldManager(info: KindInfo, hasStatus: boolean): FieldManager {
  const node = applyNodeOfKind(info.kind);
  if (!node) throw new Error(`kind ${info.kind} is not in the kind table`);
  const message = typesOf(info).message;
  const apiVersion = apiVersionOf(info);
  // Field by field: encoding the fieldsV1 Structs to compare them costs more than the tracking.
  const same = (a: readonly ManagedFieldsEntry[], b: readonly ManagedFieldsEntry[]) =>
    a === b ||
    (a.length === b.length &&
      a.every((e, i) => {
        const f = b[i] as ManagedFieldsEntry;
        return (
          e.manager === f.manager &&
          e.operation === f.operation &&
          e.apiVersion === f.apiVersion &&
          e.fieldsType === f.fieldsType &&
          e.subresource === f.subresource &&
          e.time?.getTime() === f.time?.getTime() &&
          jsonEqual(e.fieldsV1 as Json | undefined, f.fieldsV1 as Json | undefined)
        );
      }));
  const baseOf = (obj: KindObject, old: KindObject | undefined) => {
    const given = obj.metadata?.managedFields ?? [];
    const stored = old?.metadata?.managedFields ?? [];
    if (isClearingManagedFields(given)) return { entries: [], managers: [] };
    const entries = given.length === 0 || same(given, stored) ? stored : given;
    try {
      return { entries, managers: decodeManagedFields(entries) };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const field = why.split(':')[0] ?? 'metadata.managedFields';
      throw ApiError.invalid(`${info.kind} "${obj.metadata?.name ?? ''}" is invalid: ${why}`, [
        { field, reason: 'FieldValueInvalid', message: why },
      ]);
    }
  };
  const fm: FieldManager = {
    node,
    apiVersion,
    scope: (subresource) => ({ subresource, hasStatus }),
    managersOf: (obj, old) => baseOf(obj, old).managers,
    recordUpdate(obj, old, ctx, subresource) {
      const { entries, managers } = baseOf(obj, old);
      const strip = (o: KindObject) =>
        message.toJSON({ ...o, metadata: { ...o.metadata, managedFields: [] } } as never) as JsonObject;
      const next = trackUpdate({
        node,
        before: old ? strip(old) : undefined,
        after: strip(obj),
        managers,
        manager: ctx.fieldManager || DEFAULT_FIELD_MANAGER,
        apiVersion,
        scope: fm.scope(subresource),
        now: ctx.now,
      });
      // Entries nobody changed stay as they were, byte for byte: a no-op write stays one.
      if (obj.metadata) obj.metadata.managedFields = next === managers ? entries : encodeManagedFields(next);
    },
  };
  return fm;
}
