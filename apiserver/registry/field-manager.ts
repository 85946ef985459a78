/**
 * metadata.managedFields of one kind, kept by the registry on every create, update and
 * patch (operation Update) and set by server-side apply (patch.ts). The sets themselves
 * are sdk/patch/managed-fields.ts; this is where they meet the kind's typed objects and
 * the request.
 *
 * What a write starts from, as in Kubernetes: the managedFields the request carries when
 * it changed them (a client may edit or restore them), `[{}]` clearing them all, and the
 * stored ones when the request leaves them out or sends them back unchanged.
 *
 * Recording runs on every create, update and patch, so it works on the typed objects
 * (typed-compare.ts) and re-encodes only the entries a write changes
 * (`trackUpdateOfEntries`). The manifest comparison (`trackUpdate` over `toJSON`) is the
 * reference it must agree with, and what kinds whose objects cannot be walked by
 * descriptor use. A create that starts from no entries takes its entry's text from a
 * memo (field-manager-create-memo.ts) keyed by what its field set depends on: the Pods
 * of one template are worked out once.
 */
import { ApiError } from '../../sdk/errors.js';
import type { ManagedFieldsEntry } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo, protoTypeOf } from '../../sdk/kinds.js';
import type { JsonObject } from '../../sdk/manifest/index.js';
import { messageType } from '../../sdk/manifest/schema.js';
import { createdFieldsKey } from '../../sdk/patch/created-fields-key.js';
import { FieldSet } from '../../sdk/patch/field-set.js';
import { sameFieldsV1, treeOfFieldsV1 } from '../../sdk/patch/fields-v1.js';
import { type ApplyNode, applyNodeOfKind } from '../../sdk/patch/list-types.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  isClearingManagedFields,
  type ManagedFields,
  type TrackingScope,
  trackUpdate,
  trackUpdateOfEntries,
  wholeSeconds,
} from '../../sdk/patch/managed-fields.js';
import { compareTyped, typedShapeOf } from '../../sdk/patch/typed-compare.js';
import { CreateMemo } from './field-manager-create-memo.js';
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
  /**
   * Sets `obj`'s managedFields after a write through a subresource other than status,
   * as Kubernetes does: `scale` makes spec.replicas, when it changed, the writer's (an
   * Update entry with subresource "scale", the parent's apiVersion and no time, taken
   * from every other entry; entries of another apiVersion are dropped); `binding` and
   * every other one record nothing (Kubernetes binds through the storage directly).
   */
  recordSubresourceUpdate(obj: KindObject, old: KindObject, ctx: RequestContext, subresource: string): void;
}

/**
 * Creates memoised per kind (field-manager-create-memo.ts): room for the templates of a
 * few hundred ReplicaSets creating at once.
 */
const CREATE_MEMO_SIZE = 512;

/** What the scale subresource changes in its parent, and so all it may own there. */
const REPLICAS = FieldSet.of(['f:spec', 'f:replicas']);

type WithReplicas = { spec?: { replicas?: number | undefined } | undefined };

export interface FieldManagerOptions {
  /**
   * Compare manifest JSON rather than the typed objects: the reference the typed path is
   * tested against (and what a kind that cannot be walked by descriptor gets anyway).
   */
  readonly manifestComparison?: boolean;
}

export function createFieldManager(
  info: KindInfo,
  hasStatus: boolean,
  options: FieldManagerOptions = {},
): FieldManager {
  const node = applyNodeOfKind(info.kind);
  if (!node) throw new Error(`kind ${info.kind} is not in the kind table`);
  const message = typesOf(info).message;
  const shape = options.manifestComparison ? undefined : typedShapeOf(messageType(protoTypeOf(info)));
  const apiVersion = apiVersionOf(info);
  const createMemo = new CreateMemo(CREATE_MEMO_SIZE);
  // Field by field; the fieldsV1 texts byte for byte, else as trees (key order aside).
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
          (sameFieldsV1(e.fieldsV1, f.fieldsV1) || sameTree(e.fieldsV1, f.fieldsV1))
        );
      }));
  /** The entries a write starts from (see the file's comment), not yet checked. */
  const entriesOf = (obj: KindObject, old: KindObject | undefined): ManagedFieldsEntry[] => {
    const given = obj.metadata?.managedFields ?? [];
    const stored = old?.metadata?.managedFields ?? [];
    if (isClearingManagedFields(given)) return [];
    return given.length === 0 || same(given, stored) ? stored : given;
  };
  const invalid = (obj: KindObject, err: unknown) => {
    const why = err instanceof Error ? err.message : String(err);
    const field = why.split(':')[0] ?? 'metadata.managedFields';
    return ApiError.invalid(`${info.kind} "${obj.metadata?.name ?? ''}" is invalid: ${why}`, [
      { field, reason: 'FieldValueInvalid', message: why },
    ]);
  };
  const baseOf = (obj: KindObject, old: KindObject | undefined) => {
    const entries = entriesOf(obj, old);
    try {
      return { entries, managers: decodeManagedFields(entries) };
    } catch (err) {
      throw invalid(obj, err);
    }
  };
  const fm: FieldManager = {
    node,
    apiVersion,
    scope: (subresource) => ({ subresource, hasStatus }),
    managersOf: (obj, old) => baseOf(obj, old).managers,
    recordUpdate(obj, old, ctx, subresource) {
      if (!obj.metadata) return;
      const scope = fm.scope(subresource);
      const manager = ctx.fieldManager || DEFAULT_FIELD_MANAGER;
      // Kubernetes keeps managedFields times to the second.
      const now = wholeSeconds(ctx.now);
      if (shape) {
        // The stored entries when the request leaves them out or sends them back as they
        // are (byte for byte, which is cheap): they need no checking, and entries the
        // write does not touch are passed through unread.
        const given = obj.metadata.managedFields;
        const stored = old?.metadata?.managedFields ?? [];
        const fromStore = given.length === 0 || same(given, stored);
        const entries = fromStore ? stored : isClearingManagedFields(given) ? [] : given;
        // A create with no entries to start from gets one entry, the writer's, whose
        // fields depend only on the object's key (created-fields-key.ts).
        const createKey =
          old === undefined && entries.length === 0
            ? `${scope.subresource}\n${createdFieldsKey(shape, obj, scope)}`
            : undefined;
        if (createKey !== undefined) {
          const fields = createMemo.get(createKey);
          if (fields !== undefined) {
            obj.metadata.managedFields =
              fields === null ? entries : [createdEntry(manager, apiVersion, now, fields, scope.subresource)];
            return;
          }
        }
        const cmp = compareTyped(shape, old, obj, scope);
        let next: ManagedFieldsEntry[];
        try {
          next = trackUpdateOfEntries({
            entries,
            changed: cmp.added.union(cmp.modified),
            removed: cmp.removed,
            manager,
            apiVersion,
            scope,
            now,
            stored: fromStore,
          });
        } catch (err) {
          throw invalid(obj, err);
        }
        if (createKey !== undefined && next.length <= 1) {
          const [mine] = next;
          const raw = createMemo.set(createKey, mine?.fieldsV1?.raw ?? null);
          // The memo's copy, which the creates served from the memo share.
          if (mine && raw) next = [{ ...mine, fieldsV1: { raw } }];
        }
        obj.metadata.managedFields = next;
        return;
      }
      const { entries, managers } = baseOf(obj, old);
      const strip = (o: KindObject) =>
        message.toJSON({ ...o, metadata: { ...o.metadata, managedFields: [] } } as never) as JsonObject;
      const next = trackUpdate({
        node,
        before: old ? strip(old) : undefined,
        after: strip(obj),
        managers,
        manager,
        apiVersion,
        scope,
        now,
      });
      // Entries nobody changed stay as they were, byte for byte: a no-op write stays one.
      obj.metadata.managedFields = next === managers ? entries : encodeManagedFields(next);
    },
    recordSubresourceUpdate(obj, old, ctx, subresource) {
      if (subresource !== 'scale' || !obj.metadata) return;
      if ((obj as WithReplicas).spec?.replicas === (old as WithReplicas).spec?.replicas) return;
      const entries = (old.metadata?.managedFields ?? []).filter((e) => e.apiVersion === apiVersion);
      try {
        obj.metadata.managedFields = trackUpdateOfEntries({
          entries,
          changed: REPLICAS,
          removed: FieldSet.empty,
          manager: ctx.fieldManager || DEFAULT_FIELD_MANAGER,
          apiVersion,
          scope: fm.scope(subresource),
          now: undefined,
          stored: true,
        });
      } catch (err) {
        throw invalid(obj, err);
      }
    },
  };
  return fm;
}

/** The one entry of a create that starts from none, its fields' text already known: as trackUpdateOfEntries writes it. */
function createdEntry(
  manager: string,
  apiVersion: string,
  now: Date,
  raw: Buffer,
  subresource: string,
): ManagedFieldsEntry {
  return {
    manager,
    operation: 'Update',
    apiVersion,
    time: wholeSeconds(now),
    fieldsType: 'FieldsV1',
    fieldsV1: { raw },
    subresource,
  };
}

/** Whether two FieldsV1 hold the same tree, key order aside; text that is not JSON is never the same. */
function sameTree(a: ManagedFieldsEntry['fieldsV1'], b: ManagedFieldsEntry['fieldsV1']): boolean {
  try {
    return treeEqual(treeOfFieldsV1(a), treeOfFieldsV1(b));
  } catch {
    return false;
  }
}

/** Equality of two JSON values, key order aside, allocating nothing. */
function treeEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!treeEqual(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.hasOwn(y, k) || !treeEqual(x[k], y[k])) return false;
    n++;
  }
  for (const _ in y) n--;
  return n === 0;
}
