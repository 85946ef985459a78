/**
 * Field ownership, as Kubernetes' server-side apply keeps it in `metadata.managedFields`:
 * one entry per manager, operation (Apply or Update) and subresource, each with the set of
 * fields that manager owns (field-set.ts).
 *
 * - `applyConfiguration` is server-side apply: the applied configuration's fields become
 *   the applier's; a field another manager owns that the apply changes is a conflict
 *   (`ApplyConflictError`) unless forced, when the applier takes it from them; fields the
 *   applier owned before and no longer applies are removed from the object unless another
 *   manager owns them too.
 * - `trackUpdate` is every other write: the fields it added or changed become the writer's
 *   (taken from whoever had them), the fields it removed are nobody's.
 *
 * Pure functions over manifest JSON; inputs are never changed.
 */
import type { ManagedFieldsEntry } from '../gen/wheelhouse/meta/v1/meta.js';
import type { Json, JsonObject } from '../manifest/index.js';
import { comparePathElements, FieldSet, fieldElement, pathString } from './field-set.js';
import { fieldsV1OfText, isEmptyFieldsV1, treeOfFieldsV1 } from './fields-v1.js';
import type { ApplyNode } from './list-types.js';
import { compare, fieldSetOf, jsonEqual, mergeApplied, removeFields, withoutNulls } from './typed-value.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** kubectl's manager name for client-side apply. */
export const CLIENT_SIDE_APPLY_MANAGER = 'kubectl-client-side-apply';
/**
 * The managers whose server-side apply upgrades an object last applied client-side: a
 * conflict on a field whose live value is still the one the last-applied annotation
 * records is no conflict, and the annotation is kept current (kubectl's manager, and
 * whctl's).
 */
export const UPGRADING_MANAGERS: ReadonlySet<string> = new Set(['kubectl', 'whctl']);
/** Kubernetes' longest field manager name. */
export const MAX_FIELD_MANAGER_LENGTH = 128;

export type Operation = 'Apply' | 'Update';

/** One entry of metadata.managedFields, its fields as a set. */
export interface ManagedFields {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly time: Date | undefined;
  readonly subresource: string;
  readonly fields: FieldSet;
}

/** A manager as conflicts name it: `"kubectl"`, `"kube-controller" with subresource "status" using v1`. */
export function describeManager(
  entry: Pick<ManagedFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  let out = JSON.stringify(entry.manager);
  if (entry.subresource) out += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') out += ` using ${entry.apiVersion}`;
  return out;
}

/** Entries are the same manager when these match; an applier's apiVersion does not count. */
function identity(e: Pick<ManagedFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Apply' ? '' : e.apiVersion, e.subresource]);
}

/** `identity(a) === identity(b)`, without writing either. */
function sameIdentity(
  a: Pick<ManagedFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
  b: Pick<ManagedFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): boolean {
  // As JSON writes them: undefined and null are one.
  const same = (x: unknown, y: unknown) => x === y || (x == null && y == null);
  return (
    same(a.manager, b.manager) &&
    same(a.operation, b.operation) &&
    (a.operation === 'Apply' || same(a.apiVersion, b.apiVersion)) &&
    same(a.subresource, b.subresource)
  );
}

/** One field another manager owns that an apply would change. */
export interface FieldConflict {
  /** The other manager, as `describeManager` names it. */
  readonly manager: string;
  /** The field, as Kubernetes prints paths: `.spec.replicas`. */
  readonly path: string;
}

/** An apply that would change fields other managers own; Kubernetes' 409 Conflict. */
export class ApplyConflictError extends Error {
  override readonly name = 'ApplyConflictError';
  constructor(readonly conflicts: readonly FieldConflict[]) {
    super(conflictMessage(conflicts));
  }
}

/** Kubernetes' words, which kubectl prints and explains (`--force-conflicts`). */
function conflictMessage(conflicts: readonly FieldConflict[]): string {
  if (conflicts.length === 1) {
    const [c] = conflicts as [FieldConflict];
    return `Apply failed with 1 conflict: conflict with ${c.manager}: ${c.path}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${manager}:`);
    for (const path of byManager.get(manager) ?? []) lines.push(`- ${path}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/**
 * metadata.managedFields read into sets. Throws an Error naming the entry for one that is
 * not valid (an unknown operation, fields that are not a fieldsV1 tree).
 */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[]): ManagedFields[] {
  return entries.map((e, i) => {
    const where = checkEntry(e, i);
    return {
      manager: e.manager,
      operation: e.operation as Operation,
      apiVersion: e.apiVersion,
      time: e.time,
      subresource: e.subresource,
      fields: FieldSet.fromFieldsV1(treeOfFieldsV1(e.fieldsV1, `${where}.fieldsV1`), `${where}.fieldsV1`),
    };
  });
}

/** Throws for an entry's operation or fieldsType that is not valid; the entry's path otherwise. */
function checkEntry(e: ManagedFieldsEntry, i: number): string {
  const where = `metadata.managedFields[${i}]`;
  if (e.operation !== 'Apply' && e.operation !== 'Update') {
    throw new Error(
      `${where}.operation: Unsupported value: "${e.operation}": supported values: "Apply", "Update"`,
    );
  }
  if (e.fieldsType !== '' && e.fieldsType !== 'FieldsV1') {
    throw new Error(
      `${where}.fieldsType: Unsupported value: "${e.fieldsType}": supported values: "FieldsV1"`,
    );
  }
  return where;
}

/** Sets written back as metadata.managedFields, in Kubernetes' order: appliers first, then by time and name. */
export function encodeManagedFields(managers: readonly ManagedFields[]): ManagedFieldsEntry[] {
  return sortEntries(managers).map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    time: m.time,
    fieldsType: 'FieldsV1',
    fieldsV1: fieldsV1OfText(m.fields.toFieldsV1Text()),
    subresource: m.subresource,
  }));
}

type EntryOrder = Pick<ManagedFields, 'manager' | 'operation' | 'apiVersion' | 'time' | 'subresource'>;

function sortEntries<E extends EntryOrder>(entries: readonly E[]): E[] {
  return [...entries].sort(
    (p, q) =>
      p.operation.localeCompare(q.operation) ||
      (p.time?.getTime() ?? 0) - (q.time?.getTime() ?? 0) ||
      p.manager.localeCompare(q.manager) ||
      p.apiVersion.localeCompare(q.apiVersion) ||
      p.subresource.localeCompare(q.subresource),
  );
}

/** Whether the entries are exactly `[{}]`: the request that clears managedFields. */
export function isClearingManagedFields(entries: readonly ManagedFieldsEntry[]): boolean {
  if (entries.length !== 1) return false;
  const [e] = entries as [ManagedFieldsEntry];
  return (
    e.manager === '' &&
    e.operation === '' &&
    e.apiVersion === '' &&
    e.time === undefined &&
    e.fieldsType === '' &&
    isEmptyFieldsV1(e.fieldsV1) &&
    e.subresource === ''
  );
}

/**
 * The manager of a write: the request's field manager, else the user agent up to its
 * first "/" (`kubectl/v1.32.0 (linux/amd64)` is `kubectl`), as Kubernetes names them.
 * Throws an Error for a field manager that is too long or not printable.
 */
export function fieldManagerOf(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) {
    if (fieldManager.length > MAX_FIELD_MANAGER_LENGTH) {
      throw new Error(
        `fieldManager: Too long: may not be longer than ${MAX_FIELD_MANAGER_LENGTH} characters; pick a shorter name`,
      );
    }
    if (!/^[\x20-\x7e]+$/.test(fieldManager)) {
      throw new Error('fieldManager: Invalid value: may only contain printable ASCII characters');
    }
    return fieldManager;
  }
  const prefix = (userAgent ?? '').split('/')[0]?.trim() ?? '';
  return (prefix || 'unknown').slice(0, MAX_FIELD_MANAGER_LENGTH);
}

/** `time` to the whole second, as Kubernetes records managedFields times (the same Date when it is already). */
export function wholeSeconds(time: Date): Date {
  const ms = time.getTime();
  return ms % 1000 === 0 ? time : new Date(ms - (((ms % 1000) + 1000) % 1000));
}

/** Which fields a write through an endpoint may own. */
export interface TrackingScope {
  /** The subresource written through: '' or 'status'. */
  readonly subresource: string;
  /** The kind has a status subresource: writes to the object itself do not own status. */
  readonly hasStatus: boolean;
}

/** Fields of metadata the server sets, which nobody owns (Kubernetes strips them the same way). */
const systemMetadataFields: ReadonlySet<string> = new Set(
  [
    'name',
    'namespace',
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'managedFields',
    'selfLink',
  ].map(fieldElement),
);
/** Top-level fields nobody owns. */
const systemTopFields: ReadonlySet<string> = new Set(['f:apiVersion', 'f:kind']);

/** `set` without the fields nobody may own through `scope`. */
export function ownable(set: FieldSet, scope: TrackingScope): FieldSet {
  if (scope.subresource === 'status') return set.onlySubtree(['f:status']);
  let out = set.withoutChildren([], systemTopFields).withoutChildren(['f:metadata'], systemMetadataFields);
  if (scope.hasStatus) out = out.withoutSubtree(['f:status']);
  return out;
}

export interface UpdateTracking {
  readonly node: ApplyNode;
  /** The object before the write; undefined for a create. */
  readonly before: JsonObject | undefined;
  readonly after: JsonObject;
  readonly managers: readonly ManagedFields[];
  readonly manager: string;
  readonly apiVersion: string;
  readonly scope: TrackingScope;
  readonly now: Date;
}

/**
 * The managers after a write that is not an apply: what it added or changed becomes the
 * writer's (Update entry), taken from any other manager; what it removed is no one's.
 * Unchanged (the same array) when the write changed no field.
 */
export function trackUpdate(u: UpdateTracking): readonly ManagedFields[] {
  const cmp = compare(u.node, u.before ?? {}, u.after);
  const changed = ownable(cmp.added.union(cmp.modified), u.scope);
  const removed = ownable(cmp.removed, u.scope);
  if (changed.isEmpty() && removed.isEmpty()) return u.managers;
  const self = {
    manager: u.manager,
    operation: 'Update' as const,
    apiVersion: u.apiVersion,
    subresource: u.scope.subresource,
  };
  const id = identity(self);
  let mine = FieldSet.empty;
  const out: ManagedFields[] = [];
  for (const m of u.managers) {
    if (identity(m) === id) {
      mine = m.fields;
      continue;
    }
    const fields = m.fields.difference(changed).difference(removed);
    if (!fields.isEmpty()) out.push(fields.equals(m.fields) ? m : { ...m, fields });
  }
  mine = mine.difference(removed).union(changed);
  if (!mine.isEmpty()) out.push({ ...self, time: wholeSeconds(u.now), fields: mine });
  return out;
}

/** A write that is not an apply, its changes already known (typed-compare.ts), over stored entries. */
export interface EntriesTracking {
  /** The managedFields the write starts from. */
  readonly entries: ManagedFieldsEntry[];
  /** What the write added or changed, and what it removed, before `ownable`. */
  readonly changed: FieldSet;
  readonly removed: FieldSet;
  readonly manager: string;
  readonly apiVersion: string;
  readonly scope: TrackingScope;
  /** The writer's entry's time; undefined for none (the scale subresource records none). */
  readonly now: Date | undefined;
  /**
   * The entries are as this server stored them, so valid and canonical: an entry of
   * another manager whose text names no field of the change is passed through unread.
   */
  readonly stored?: boolean;
}

/**
 * `encodeManagedFields(trackUpdate(...))` over the entries as stored: the same entries,
 * but only the writer's entry and those that lose fields are encoded again; every other
 * entry keeps its fieldsV1 bytes, which is what decoding and encoding it would give
 * whenever its tree is already in canonical form (the form this module writes). The same
 * array when the write changed no field. Throws an Error naming the entry for one that
 * is not valid, as decodeManagedFields.
 */
export function trackUpdateOfEntries(t: EntriesTracking): ManagedFieldsEntry[] {
  const changed = ownable(t.changed, t.scope);
  const removed = ownable(t.removed, t.scope);
  if (t.stored && changed.isEmpty() && removed.isEmpty()) return t.entries;
  const self = {
    manager: t.manager,
    operation: 'Update' as const,
    apiVersion: t.apiVersion,
    subresource: t.scope.subresource,
  };
  const ids = t.entries.map((e) => sameIdentity(e as EntryOrder, self));
  // Worked out only when an entry of another manager may be left unread: the top-level
  // elements of the change first (a status write's one), then the last elements.
  let tops: Buffer[] | undefined | null = null;
  let names: Buffer[] | undefined | null = null;
  const trees = t.entries.map((e, i): EntryTree => {
    if (t.stored && !ids[i]) {
      tops ??= topNames(changed, removed);
      if (tops && !namesAny(e.fieldsV1, tops)) return UNREAD;
      names ??= memberNames(changed, removed);
      if (names && !namesAny(e.fieldsV1, names)) return UNREAD;
    }
    const where = checkEntry(e, i);
    return readFieldsV1(e.fieldsV1, `${where}.fieldsV1`);
  });
  if (changed.isEmpty() && removed.isEmpty()) return t.entries;
  let mine = FieldSet.empty;
  // The writer's own entry's bytes, when canonical: kept if the write adds it nothing.
  let mineRaw: ManagedFieldsEntry['fieldsV1'];
  const out: (EntryOrder & { readonly fieldsV1: ManagedFieldsEntry['fieldsV1'] })[] = [];
  for (const [i, e] of t.entries.entries()) {
    const read = trees[i] as EntryTree;
    const m = e as EntryOrder;
    if (read === UNREAD) {
      // Stored, and its text names no field of the change: it cannot lose any.
      if (!isEmptyFieldsV1(e.fieldsV1)) out.push({ ...m, fieldsV1: e.fieldsV1 });
      continue;
    }
    const { tree, decoded } = read;
    if (ids[i]) {
      mine = decoded ?? read.set();
      mineRaw = decoded === undefined ? e.fieldsV1 : undefined;
      continue;
    }
    if (decoded === undefined && !touches(tree, changed, true) && !touches(tree, removed, true)) {
      // A canonical tree with no field in the change: decoding and encoding it is the identity.
      if (!isEmptyTree(tree)) out.push({ ...m, fieldsV1: e.fieldsV1 });
      continue;
    }
    const before = decoded ?? read.set();
    const fields = before.difference(changed).difference(removed);
    if (!fields.isEmpty()) out.push({ ...m, fieldsV1: fieldsV1OfText(fields.toFieldsV1Text()) });
  }
  // A write of fields the writer already owns (a lease renewed, a status written again)
  // leaves its set as it was: its text stays, only its time moves.
  const unchanged = mineRaw !== undefined && mine.includesAll(changed) && !mine.intersects(removed);
  if (!unchanged) mine = mine.difference(removed).union(changed);
  if (!mine.isEmpty()) {
    out.push({
      ...self,
      time: t.now && wholeSeconds(t.now),
      fieldsV1: unchanged ? mineRaw : fieldsV1OfText(mine.toFieldsV1Text()),
    });
  }
  return sortEntries(out).map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    time: m.time,
    fieldsType: 'FieldsV1',
    fieldsV1: m.fieldsV1,
    subresource: m.subresource,
  }));
}

type Tree = { readonly [key: string]: unknown };

/**
 * An entry's text, read: its tree; `decoded` when the tree is not canonical (so it is
 * re-encoded anyway); `set()` the tree as a FieldSet, made once.
 */
interface ReadFieldsV1 {
  readonly tree: Json | undefined;
  readonly decoded: FieldSet | undefined;
  set(): FieldSet;
}
type EntryTree = ReadFieldsV1 | typeof UNREAD;

/**
 * Texts read lately, by their text: the same entry recurs across objects of one shape (a
 * kubelet's status entry on every pod of a template, a lease holder's entry on every
 * Lease), and what is cached is never changed (trees are only read, sets are immutable).
 */
const readTexts = new Map<string, ReadFieldsV1>();
const READ_TEXTS_MAX = 512;
/** Longer texts are read each time: few objects share one, and they would hold memory. */
const READ_TEXT_MAX_BYTES = 16_384;

/** Throws, naming `where`, for text that is not a valid fieldsV1 tree. */
function readFieldsV1(fields: ManagedFieldsEntry['fieldsV1'], where: string): ReadFieldsV1 {
  const raw = fields?.raw;
  const cacheable = raw !== undefined && raw.length > 0 && raw.length <= READ_TEXT_MAX_BYTES;
  const text = cacheable ? Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8') : '';
  const hit = cacheable ? readTexts.get(text) : undefined;
  if (hit !== undefined) return hit;
  const tree = treeOfFieldsV1(fields, where);
  const decoded = isCanonicalFieldsV1(tree, true) ? undefined : FieldSet.fromFieldsV1(tree, where);
  let set = decoded;
  const read: ReadFieldsV1 = {
    tree,
    decoded,
    set: () => {
      set ??= FieldSet.fromFieldsV1(tree);
      return set;
    },
  };
  if (cacheable) {
    if (readTexts.size >= READ_TEXTS_MAX) readTexts.clear();
    readTexts.set(text, read);
  }
  return read;
}
/** An entry left unread (see EntriesTracking.stored). */
const UNREAD = Symbol('unread');

/**
 * The path elements under which the sets have members, as they appear in fieldsV1 text
 * (JSON strings, quotes included); undefined when a set holds the root itself. An entry
 * owns a member of a set only if its text holds that member's last element.
 */
function memberNames(...sets: FieldSet[]): Buffer[] | undefined {
  const names = new Set<string>();
  const walk = (node: FieldSet) => {
    for (const [key, child] of node.children) {
      if (child.member || child.children.size === 0) names.add(key);
      walk(child);
    }
  };
  for (const set of sets) {
    if (set.member) return undefined;
    walk(set);
  }
  return [...names].map((n) => Buffer.from(JSON.stringify(n)));
}

/**
 * The top-level path elements of the sets' members, as in fieldsV1 text; undefined when
 * a set holds the root itself. An entry owns a member of a set only if its text holds
 * that member's first element.
 */
function topNames(...sets: FieldSet[]): Buffer[] | undefined {
  const names = new Set<string>();
  for (const set of sets) {
    if (set.member) return undefined;
    for (const key of set.children.keys()) names.add(key);
  }
  return [...names].map((n) => Buffer.from(JSON.stringify(n)));
}

/** Whether the text of `fields` holds any of `names` (undefined names: assume it does). */
function namesAny(fields: ManagedFieldsEntry['fieldsV1'], names: Buffer[] | undefined): boolean {
  if (names === undefined) return true;
  const raw = fields?.raw;
  if (raw === undefined || raw.length === 0) return false;
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  for (const name of names) if (text.includes(name)) return true;
  return false;
}

/**
 * Whether a fieldsV1 tree is exactly what `FieldSet.fromFieldsV1(...).toFieldsV1()` gives
 * back, key order included: `.` first and only beside other elements, elements valid and
 * in order, every value such a tree.
 */
function isCanonicalFieldsV1(json: unknown, root: boolean): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return root && json === undefined;
  let previous: string | undefined;
  let dot = false;
  let n = 0;
  for (const key in json) {
    const value = (json as Tree)[key];
    n++;
    if (key === '.') {
      if (n !== 1 || !isEmptyTree(value)) return false;
      dot = true;
      continue;
    }
    const c = key.charCodeAt(0);
    // f, k, v or i, then ':'.
    if ((c !== 102 && c !== 107 && c !== 118 && c !== 105) || key.charCodeAt(1) !== 58) return false;
    if (previous !== undefined && !(comparePathElements(previous, key) < 0)) return false;
    if (key[0] === 'i' && String(Number(key.slice(2))) !== key.slice(2)) return false;
    if (!isCanonicalFieldsV1(value, false)) return false;
    previous = key;
  }
  return !(dot && n === 1);
}

function isEmptyTree(json: unknown): boolean {
  if (json === undefined || json === null) return true;
  for (const _ in json as Tree) return false;
  return true;
}

/** Whether a canonical fieldsV1 tree has a member of `set`. */
function touches(json: unknown, set: FieldSet, root: boolean): boolean {
  if (json === undefined || json === null) return false;
  const tree = json as Tree;
  if (set.member) {
    if (root ? '.' in tree : '.' in tree || isEmptyTree(tree)) return true;
  }
  for (const [key, child] of set.children) {
    if (Object.hasOwn(tree, key) && touches(tree[key], child, false)) return true;
  }
  return false;
}

export interface Apply {
  readonly node: ApplyNode;
  /** The live object; undefined when the apply creates it. */
  readonly live: JsonObject | undefined;
  /** The applied configuration, manifest JSON. */
  readonly config: JsonObject;
  readonly managers: readonly ManagedFields[];
  readonly manager: string;
  readonly apiVersion: string;
  readonly scope: TrackingScope;
  readonly force: boolean;
  readonly now: Date;
}

export interface Applied {
  /** The live object with the configuration merged in and the fields the applier dropped removed. */
  readonly object: JsonObject;
  readonly managers: readonly ManagedFields[];
}

/**
 * Server-side apply of `config` over `live`. Throws ApplyConflictError when fields other
 * managers own would change and `force` is not set, and FieldPathError (typed-value.ts)
 * for a configuration whose lists cannot be keyed.
 */
export function applyConfiguration(a: Apply): Applied {
  const config = withoutNulls(a.config) as JsonObject;
  const live = a.live ?? {};
  const applied = ownable(fieldSetOf(a.node, config), a.scope);
  const self = {
    manager: a.manager,
    operation: 'Apply' as const,
    apiVersion: a.apiVersion,
    subresource: a.scope.subresource,
  };
  const id = identity(self);
  const previous = a.managers.find((m) => identity(m) === id);
  const others = a.managers.filter((m) => identity(m) !== id);

  // Fields the applier dropped go, unless someone (the applier included) still owns them.
  const owned = others.reduce((set, m) => set.union(m.fields), applied);
  const dropped = (previous?.fields ?? FieldSet.empty).difference(owned);
  const merged = mergeApplied(a.node, live, config) as JsonObject;
  let object = removeFields(a.node, merged, dropped) as JsonObject;

  const cmp = compare(a.node, live, object);
  const changed = ownable(cmp.added.union(cmp.modified), a.scope);
  const removed = ownable(cmp.removed, a.scope);
  const conflicts: FieldConflict[] = [];
  const conflictSets = new Map<ManagedFields, FieldSet>();
  for (const m of others) {
    const set = m.fields.intersection(changed);
    if (set.isEmpty()) continue;
    conflictSets.set(m, set);
    for (const path of set.paths()) conflicts.push({ manager: describeManager(m), path: pathString(path) });
  }
  if (conflicts.length > 0 && !a.force) {
    const allowed = upgradableFields(a, live);
    const remaining = allowed
      ? conflicts.filter((_, i) => !allowed.has(pathOfConflict(conflictSets, i)))
      : conflicts;
    if (remaining.length > 0) throw new ApplyConflictError(remaining);
  }

  const managers: ManagedFields[] = [];
  for (const m of others) {
    const fields = m.fields.difference(conflictSets.get(m) ?? FieldSet.empty).difference(removed);
    if (!fields.isEmpty()) managers.push(fields.equals(m.fields) ? m : { ...m, fields });
  }
  if (!applied.isEmpty()) {
    const unchanged = previous?.fields.equals(applied) === true && jsonEqual(live, object);
    managers.push({ ...self, time: unchanged ? previous?.time : wholeSeconds(a.now), fields: applied });
  }
  object = withLastAppliedUpdated(a, live, object);
  return { object, managers };
}

/** The path of the i-th conflict, in the order applyConfiguration listed them. */
function pathOfConflict(sets: Map<ManagedFields, FieldSet>, i: number): string[] {
  let n = i;
  for (const set of sets.values()) {
    const paths = set.paths();
    if (n < paths.length) return paths[n] as string[];
    n -= paths.length;
  }
  return [];
}

function annotationsOf(obj: JsonObject): JsonObject | undefined {
  const meta = obj.metadata;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  const annotations = meta.annotations;
  return typeof annotations === 'object' && annotations !== null && !Array.isArray(annotations)
    ? annotations
    : undefined;
}

/**
 * For an upgrading manager applying to an object last applied client-side: the fields
 * the last-applied annotation records whose live value is still the recorded one. They
 * were the client-side applier's, and pass to the server-side applier without conflict.
 */
function upgradableFields(a: Apply, live: JsonObject): FieldSet | undefined {
  if (!UPGRADING_MANAGERS.has(a.manager)) return undefined;
  const text = annotationsOf(live)?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || text === '') return undefined;
  let lastApplied: Json;
  try {
    lastApplied = withoutNulls(JSON.parse(text) as Json);
  } catch {
    return undefined;
  }
  try {
    const recorded = fieldSetOf(a.node, lastApplied);
    const cmp = compare(a.node, lastApplied, live);
    return recorded.difference(cmp.modified).difference(cmp.removed);
  } catch {
    return undefined;
  }
}

/**
 * An upgrading manager's apply keeps a live last-applied annotation current (the applied
 * configuration without the annotation), so that a later client-side apply diffs against
 * what was really applied last.
 */
function withLastAppliedUpdated(a: Apply, live: JsonObject, object: JsonObject): JsonObject {
  if (!UPGRADING_MANAGERS.has(a.manager)) return object;
  const annotations = annotationsOf(live);
  if (annotations?.[LAST_APPLIED_ANNOTATION] === undefined) return object;
  const recorded = structuredClone(a.config);
  const recordedAnnotations = annotationsOf(recorded);
  if (recordedAnnotations) {
    delete recordedAnnotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(recordedAnnotations).length === 0) delete (recorded.metadata as JsonObject).annotations;
  }
  const meta = { ...(object.metadata as JsonObject) };
  meta.annotations = {
    ...(annotationsOf(object) ?? {}),
    [LAST_APPLIED_ANNOTATION]: JSON.stringify(recorded),
  };
  return { ...object, metadata: meta };
}
