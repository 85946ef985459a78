/**
 * The generic registry: create, get, list, update, delete and watch for any kind,
 * with Kubernetes semantics. The order of the steps is fixed here, once; a kind
 * only contributes its strategy (strategy.ts).
 *
 * Create:  type meta → system metadata → defaults → mutating admission → prepareForCreate
 *          → validation (metadata + strategy) → canonicalize → validating admission → store
 * Update:  read current → resourceVersion check → system metadata carried over → defaults
 *          → mutating admission → prepareForUpdate → validation → generation → validating
 *          admission → store (compare-and-swap on the revision read)
 * Patch:   update with the object the patch makes of the current one (patch.ts, updateBy)
 */
import { randomUUID } from 'node:crypto';
import { ApiError, Code } from '../../sdk/errors.js';
import { compileFieldSelector, objectMetaFields, parseFieldSelector } from '../../sdk/fields/index.js';
import type {
  DeleteOptions,
  ListMeta,
  ListOptions,
  ObjectMeta,
} from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { ObjectMeta as ObjectMetaFns } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, type MessageFns, typesOf } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import { matches as labelsMatch, parse as parseLabelSelector } from '../../sdk/labels/index.js';
import { encodeToBuffer } from '../../sdk/wire/encode-to-buffer.js';
import { ConflictError, type ObjectStore, type Stored } from '../storage/object-store.js';
import { toApiError, validateObjectMeta, validateObjectMetaUpdate } from '../validation/index.js';
import type { CacheWatcher, UncachedWatchSource, WatchCache } from '../watch-cache/index.js';
import type { Admit, Operation } from './admit.js';
import { checkTypeMeta, parseResourceVersion, randomSuffix } from './context.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { createFieldManager, type FieldManager } from './field-manager.js';
import type { RequestContext } from './request-context.js';
import type { Strategy, SubresourceStrategy } from './strategy.js';
import { finishing, type WriteHooks } from './write-hooks.js';

/** Tries of a create whose name is generated (Kubernetes' maxNameGenerationCreateAttempts). */
const GENERATED_NAME_ATTEMPTS = 8;

/**
 * How long a write without preconditions goes on retrying its conflicts when its call
 * sets no earlier deadline: kube-apiserver's default request timeout. Kubernetes'
 * GuaranteedUpdate retries against the latest object until the request's context ends;
 * a count would fail writers that merely lost a few races under contention.
 */
const conflictRetryBudgetMs = 60_000;

/**
 * Retries of one write after conflicts (ABORTED: someone else wrote in between): until
 * the call is cancelled, its deadline passes or the budget is spent.
 *
 * Writers that lost a race retry one at a time, in the order they first lost, from a line
 * per object (`lines`): the one at its head retries at once, the others wait for their
 * turn instead of all retrying together, so that each loses to fresh writers only and
 * none is starved by the others' retries. The line is within this apiserver; writers
 * elsewhere are retried against all the same.
 */
class ConflictRetries {
  private readonly until: number;
  /** This writer's place in the line, once it has lost a race: settled when it leaves. */
  private place: Promise<void> | undefined;
  private release: (() => void) | undefined;

  constructor(
    private readonly ctx: RequestContext,
    private readonly lines: Map<string, Promise<void>>,
    private readonly key: string,
  ) {
    this.until = Math.min(Date.now() + conflictRetryBudgetMs, ctx.deadline ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Returns when to try again after `err`, with the object as the store's refusal said it
   * now is (undefined: read it again); rethrows `err` when it is not the store refusing
   * this write (an ABORTED from elsewhere is not retried) or when the call is over.
   */
  async after<T>(err: unknown): Promise<Stored<T> | undefined> {
    const current = err instanceof ConflictError ? (err as ConflictError<T>).current : undefined;
    if (current?.key !== this.key || this.over()) throw err;
    if (this.place) return current; // At the head of the line already.
    const ahead = this.lines.get(this.key);
    this.place = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    this.lines.set(this.key, this.place);
    if (ahead === undefined) return current;
    await this.waitFor(ahead);
    if (this.over()) throw err;
    return undefined; // Those ahead have written since.
  }

  /** Leaves the line (when the write is done, however it ended). */
  done(): void {
    if (this.place === undefined) return;
    this.release?.();
    if (this.lines.get(this.key) === this.place) this.lines.delete(this.key); // Nobody behind.
    this.place = undefined;
    this.release = undefined;
  }

  private over(): boolean {
    return this.ctx.signal?.aborted === true || Date.now() >= this.until;
  }

  /** Until `ahead` has left the line, or the call is over. */
  private async waitFor(ahead: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const over = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.until - Date.now()).unref();
      onAbort = resolve;
      this.ctx.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([ahead, over]);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.ctx.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** How a write keeps metadata.managedFields (see create). */
export type Tracking = 'update' | 'asGiven';

/** Where an update is made: the object itself, or a subresource that changes part of it. */
export type Endpoint = 'main' | 'status' | 'finalize';

/** A subresource's update: its name (for admission and managedFields) and its strategy. */
interface Subresource<T extends KindObject> {
  readonly name: 'status' | 'finalize';
  readonly strategy: SubresourceStrategy<T>;
}

export interface ListResult<T> {
  metadata: ListMeta;
  items: T[];
}

export class GenericRegistry<T extends KindObject> {
  readonly info: KindInfo;
  private readonly message: MessageFns<T>;
  /** metadata.managedFields of this kind: recorded on every create and update. */
  readonly fields: FieldManager;
  /** Per object key: the writers waiting to retry after a conflict (see ConflictRetries). */
  private readonly retryLines = new Map<string, Promise<void>>();

  constructor(
    readonly strategy: Strategy<T>,
    readonly store: ObjectStore<T>,
    readonly cache: WatchCache<T> | undefined,
    private readonly admission: Admit,
    /** Serves watches when there is no watch cache: a store watch per client watch. */
    private readonly uncached?: UncachedWatchSource<T>,
    /** What the kind holds outside its objects (a Service's IPs and ports). */
    private readonly hooks: WriteHooks<T> = {},
  ) {
    this.info = strategy.info;
    this.message = typesOf(this.info).message as unknown as MessageFns<T>;
    this.fields = createFieldManager(this.info, strategy.status !== undefined);
  }

  // ---- reads ---------------------------------------------------------------------------------

  /**
   * Reads one object: from the watch cache when there is one (at once for "0", after it
   * has caught up with the revision asked for or with the store otherwise), else from
   * the store.
   */
  async get(namespace: string, name: string, resourceVersion = ''): Promise<T> {
    const ns = this.namespaceOf(namespace);
    this.requireName(name);
    if (resourceVersion === '0' && this.cache) {
      const cached = this.cache.get(this.store.key(ns, name));
      if (cached === undefined) throw this.store.notFound(name);
      return cached;
    }
    const minRevision = parseResourceVersion(resourceVersion);
    if (minRevision !== undefined && this.cache) {
      await this.cache.waitForRevision(minRevision);
      const cached = this.cache.get(this.store.key(ns, name));
      if (cached === undefined) throw this.store.notFound(name);
      return cached;
    }
    if (this.cache) {
      // A consistent read from the cache: once it has caught up with a revision current
      // after the request arrived, it holds what the store would have answered. A cache
      // that cannot catch up in time is passed over: the store answers, as in Kubernetes.
      const caughtUp = await this.cache.waitForRevision(await this.storeRevision()).then(
        () => true,
        (err: unknown) => {
          if (err instanceof ApiError && err.code === Code.UNAVAILABLE) return false;
          throw err;
        },
      );
      if (caughtUp) {
        const cached = this.cache.get(this.store.key(ns, name));
        if (cached === undefined) throw this.store.notFound(name);
        return cached;
      }
    }
    return (await this.store.get(ns, name)).object;
  }

  /** Compiles the list options' selectors into one predicate. */
  filterOf(options: ListOptions | undefined): ((obj: T) => boolean) | undefined {
    const labelSelector = options?.labelSelector ?? '';
    const fieldSelector = options?.fieldSelector ?? '';
    if (labelSelector === '' && fieldSelector === '') return undefined;
    const labels = parseLabelSelector(labelSelector);
    const fields = compileFieldSelector(
      parseFieldSelector(fieldSelector),
      { ...objectMetaFields<T>(this.info.namespaced), ...this.strategy.fieldSelectors },
      this.info.kind,
    );
    return (obj) => labelsMatch(labels, obj.metadata?.labels) && fields(obj);
  }

  /**
   * Lists objects. Without a limit the watch cache answers, once it has caught up with
   * the store (or with the resourceVersion asked for); with a limit or a continue token
   * the pages are read from the store at one revision, so they form one snapshot.
   */
  async list(namespace: string, options: ListOptions | undefined): Promise<ListResult<T>> {
    const ns = this.info.namespaced ? namespace : '';
    const filter = this.filterOf(options);
    const prefix = this.store.prefix(ns);
    const limit = Number(options?.limit ?? '0');
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw ApiError.invalid(`limit: Invalid value: ${options?.limit}: must be a non-negative integer`);
    }
    const rv = options?.resourceVersion ?? '';
    const exact = options?.resourceVersionMatch === 'Exact';
    const token = options?.continue ?? '';

    if (token === '' && limit === 0 && this.cache && !exact) {
      const minRevision = rv === '0' ? undefined : (parseResourceVersion(rv) ?? (await this.storeRevision()));
      if (minRevision !== undefined) await this.cache.waitForRevision(minRevision);
      const { items, revision } = this.cache.list(prefix, filter);
      return { metadata: { resourceVersion: String(revision), continue: '' }, items };
    }

    let revision: number | undefined;
    let startAfter: string | undefined;
    if (token !== '') {
      const pos = decodeContinue(token, prefix);
      revision = pos.revision;
      startAfter = pos.startAfter;
    } else if (exact || (rv !== '' && rv !== '0')) {
      revision = parseResourceVersion(rv);
    }
    const items: T[] = [];
    let more = true;
    while (more && (limit === 0 || items.length < limit)) {
      const want = limit === 0 ? 0 : limit - items.length;
      const page = await this.readPage(ns, { revision, limit: want, startAfter }, token !== '');
      revision = page.revision;
      more = page.more;
      startAfter = page.lastKey ?? startAfter;
      for (const item of page.items) if (!filter || filter(item)) items.push(item);
      if (page.items.length === 0) break;
    }
    const next =
      more && startAfter !== undefined && revision !== undefined
        ? encodeContinue({ revision, startAfter })
        : '';
    return { metadata: { resourceVersion: String(revision ?? 0), continue: next }, items };
  }

  private async readPage(
    ns: string,
    opts: { revision?: number; limit: number; startAfter?: string },
    continuing: boolean,
  ) {
    try {
      return await this.store.list(ns, opts);
    } catch (err) {
      if (continuing && err instanceof ApiError && err.code === Code.OUT_OF_RANGE) {
        throw ApiError.gone(
          'the provided continue parameter is too old to display a consistent list result; list again without it',
        );
      }
      throw err;
    }
  }

  /** The store's current revision: what a consistent read from the cache must wait for. */
  private async storeRevision(): Promise<number> {
    return this.store.consistentRevision();
  }

  // ---- create --------------------------------------------------------------------------------

  /**
   * `tracking`: `update` records the fields the create sets as its manager's; `asGiven`
   * keeps the managedFields the object carries (server-side apply has set them).
   */
  async create(input: T | undefined, ctx: RequestContext, tracking: Tracking = 'update'): Promise<T> {
    const obj = this.requireObject(input);
    checkTypeMeta(this.info, obj);
    const meta = this.metaOf(obj);
    meta.namespace = this.namespaceOf(meta.namespace);
    if (meta.resourceVersion !== '') {
      throw ApiError.invalid(
        'metadata.resourceVersion: Invalid value: resourceVersion should not be set on objects to be created',
        [
          {
            field: 'metadata.resourceVersion',
            reason: 'FieldValueInvalid',
            message: 'should not be set on objects to be created',
          },
        ],
      );
    }
    const generated = meta.name === '' && meta.generateName !== '';
    if (generated) meta.name = `${meta.generateName}${randomSuffix()}`;
    meta.uid = randomUUID();
    meta.creationTimestamp = ctx.now;
    meta.deletionTimestamp = undefined;
    meta.deletionGracePeriodSeconds = undefined;
    meta.generation = this.strategy.tracksGeneration ? '1' : '0';

    this.strategy.applyDefaults(obj);
    await this.admission.mutate(this.attrs('CREATE', obj, undefined, ctx));
    this.strategy.prepareForCreate(obj, ctx);
    const finish = await this.hooks.beginCreate?.(obj, ctx);
    return finishing(finish, async () => {
      const errors = [
        ...validateObjectMeta(meta, { namespaced: this.info.namespaced, nameRule: this.strategy.nameRule }),
        ...this.strategy.validate(obj, ctx),
      ];
      if (errors.length > 0) throw toApiError(this.info.kind, meta.name, errors);
      this.strategy.canonicalize?.(obj);
      if (tracking === 'update') this.fields.recordUpdate(obj, undefined, ctx, '');
      await this.admission.validate(this.attrs('CREATE', obj, undefined, ctx));
      if (ctx.dryRun) return obj;
      for (let attempt = 1; ; attempt++) {
        try {
          return (await this.store.create(obj, this.strategy.ttlSeconds?.(obj))).object;
        } catch (err) {
          // A generated name that collides is generated again, as Kubernetes does since 1.30:
          // five random characters collide now and then among thousands of a controller's pods.
          const collided = generated && err instanceof ApiError && err.code === Code.ALREADY_EXISTS;
          if (!collided || attempt >= GENERATED_NAME_ATTEMPTS) throw err;
          meta.name = `${meta.generateName}${randomSuffix()}`;
        }
      }
    });
  }

  // ---- update --------------------------------------------------------------------------------

  /** Replaces an object through the main endpoint: status changes are ignored. */
  update(input: T | undefined, ctx: RequestContext): Promise<T> {
    return this.replace(input, ctx, 'main');
  }

  /** Replaces an object's status: everything else is ignored. */
  updateStatus(input: T | undefined, ctx: RequestContext): Promise<T> {
    return this.replace(input, ctx, 'status');
  }

  /** Replaces a Namespace's spec.finalizers through the finalize subresource: status is ignored. */
  updateFinalize(input: T | undefined, ctx: RequestContext): Promise<T> {
    return this.replace(input, ctx, 'finalize');
  }

  /** The strategy of an update through `endpoint`; UNIMPLEMENTED for a subresource the kind lacks. */
  private subresource(endpoint: Endpoint): Subresource<T> | undefined {
    if (endpoint === 'main') return undefined;
    const strategy = this.strategy[endpoint];
    if (strategy === undefined) {
      throw ApiError.unimplemented(`${this.info.resource} have no ${endpoint} subresource`);
    }
    return { name: endpoint, strategy };
  }

  private async replace(input: T | undefined, ctx: RequestContext, endpoint: Endpoint): Promise<T> {
    const sub = this.subresource(endpoint);
    const obj = this.requireObject(input);
    checkTypeMeta(this.info, obj);
    const meta = this.metaOf(obj);
    meta.namespace = this.namespaceOf(meta.namespace);
    this.requireName(meta.name);
    const requested = parseResourceVersion(meta.resourceVersion, 'metadata.resourceVersion');
    const unconditional = requested === undefined;
    if (unconditional && endpoint === 'main' && !this.strategy.allowUnconditionalUpdate) {
      throw ApiError.invalid(
        `metadata.resourceVersion: Invalid value: must be specified for an update of ${this.info.resource} "${meta.name}"; get the object and send it back with its resourceVersion`,
        [
          {
            field: 'metadata.resourceVersion',
            reason: 'FieldValueRequired',
            message: 'must be specified for an update',
          },
        ],
      );
    }
    // An unconditional update is retried on conflict, with the request as sent, against the
    // object as it now is; a conditional one cannot succeed once its revision is gone.
    const pristine = unconditional ? encodeToBuffer(this.message, obj) : undefined;
    return this.retryOnConflict(meta.namespace, meta.name, ctx, {
      retryConflicts: unconditional,
      check: this.revisionCheck(meta.name, requested),
      attempt: (current) =>
        this.replaceOnce(pristine ? this.message.decode(pristine) : obj, current, ctx, sub),
    });
  }

  /**
   * Writes `change(current)` over an object as update (`main`) or updateStatus would, from
   * a fresh read on each conflict unless `expectedRevision` pins the revision to change
   * (then a conflict is ABORTED): the hook behind Patch (patch.ts). `change` gets a private
   * copy of the latest object and must not keep it.
   */
  async updateBy(
    namespace: string,
    name: string,
    ctx: RequestContext,
    endpoint: 'main' | 'status',
    change: (current: T) => T,
    expectedRevision?: number,
    /** As for create: `asGiven` when `change` sets managedFields itself (server-side apply). */
    tracking: Tracking = 'update',
  ): Promise<T> {
    const sub = this.subresource(endpoint);
    const ns = this.namespaceOf(namespace);
    this.requireName(name);
    return this.retryOnConflict(ns, name, ctx, {
      retryConflicts: expectedRevision === undefined,
      check: this.revisionCheck(name, expectedRevision),
      attempt: (current) => this.replaceOnce(change(this.store.copy(current)), current, ctx, sub, tracking),
    });
  }

  private async replaceOnce(
    obj: T,
    current: Stored<T>,
    ctx: RequestContext,
    sub: Subresource<T> | undefined,
    tracking: Tracking = 'update',
  ): Promise<T> {
    const old = current.object;
    const meta = this.metaOf(obj);
    const oldMeta = this.metaOf(old);
    // System fields are the server's: carry them over rather than trusting the request.
    meta.uid ||= oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.deletionTimestamp = oldMeta.deletionTimestamp;
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    meta.generation = oldMeta.generation;
    meta.resourceVersion = oldMeta.resourceVersion;
    if (meta.generateName === '') meta.generateName = oldMeta.generateName;
    // The status strategy copies metadata from the stored object; an apply's own entries must survive it.
    const given = tracking === 'asGiven' ? meta.managedFields : undefined;

    if (sub) {
      await this.admission.mutate(this.attrs('UPDATE', obj, old, ctx, sub.name));
      sub.strategy.prepareForUpdate(obj, old, ctx);
      return this.writeUpdate(obj, current, ctx, sub, tracking, given);
    }
    this.strategy.applyDefaults(obj);
    await this.admission.mutate(this.attrs('UPDATE', obj, old, ctx));
    this.strategy.prepareForUpdate(obj, old, ctx);
    const finish = await this.hooks.beginUpdate?.(obj, old, ctx);
    return finishing(finish, () => this.writeUpdate(obj, current, ctx, sub, tracking, given));
  }

  /** replaceOnce from validation on: the object as prepared, checked and stored. */
  private async writeUpdate(
    obj: T,
    current: Stored<T>,
    ctx: RequestContext,
    sub: Subresource<T> | undefined,
    tracking: Tracking,
    given: ObjectMeta['managedFields'] | undefined,
  ): Promise<T> {
    const old = current.object;
    const meta = this.metaOf(obj);
    const oldMeta = this.metaOf(old);
    const subresource = sub?.name ?? '';
    const errors = sub
      ? [...validateObjectMetaUpdate(meta, oldMeta), ...sub.strategy.validateUpdate(obj, old, ctx)]
      : [
          ...validateObjectMetaUpdate(meta, oldMeta),
          ...validateObjectMeta(meta, { namespaced: this.info.namespaced, nameRule: this.strategy.nameRule }),
          ...this.strategy.validateUpdate(obj, old, ctx),
        ];
    if (errors.length > 0) throw toApiError(this.info.kind, meta.name, errors);
    if (this.strategy.tracksGeneration && subresource !== 'status' && this.contentChanged(obj, old)) {
      meta.generation = String(Number(oldMeta.generation) + 1);
    }
    this.strategy.canonicalize?.(obj);
    if (tracking === 'update') this.fields.recordUpdate(obj, old, ctx, subresource);
    else if (given) this.metaOf(obj).managedFields = given;
    await this.admission.validate(this.attrs('UPDATE', obj, old, ctx, subresource));

    if (meta.deletionTimestamp !== undefined && this.deletable(obj)) {
      // The last finalizer is gone: the object goes now.
      if (ctx.dryRun) return obj;
      return this.remove(meta, current.revision);
    }
    // Encoded once: to tell whether anything changed, and as the value to store.
    const value = this.store.encode(obj);
    if (this.store.unchanged(obj, current, value)) {
      return old; // Nothing changed: no write, no new resourceVersion, no watch event.
    }
    if (ctx.dryRun) return obj;
    return (await this.store.update(obj, current.revision, this.strategy.ttlSeconds?.(obj), value)).object;
  }

  /** Whether anything but metadata and status differs: what bumps metadata.generation. */
  private contentChanged(a: T, b: T): boolean {
    const strip = (o: T) =>
      encodeToBuffer(this.message, { ...o, metadata: undefined, status: undefined } as T);
    return !strip(a).equals(strip(b));
  }

  /**
   * Reads, changes and writes one object, retrying when someone else wrote in between
   * (unless `expectedRevision` pins the revision to change): until the call is over, as
   * Kubernetes' GuaranteedUpdate. `mutate` gets a private copy of the latest object each
   * time and returns the object to store (or throws).
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    ctx: RequestContext,
    mutate: (obj: T, current: Stored<T>) => T | Promise<T>,
    expectedRevision?: number,
    /**
     * Run admission on the change and record its managedFields, as a request to this
     * subresource (binding, scale) would; internal updates omit it and record nothing.
     */
    admitAs?: { operation: Operation; subresource: string },
  ): Promise<T> {
    return this.retryOnConflict(this.namespaceOf(namespace), name, ctx, {
      retryConflicts: expectedRevision === undefined,
      check: this.revisionCheck(name, expectedRevision),
      attempt: async (current) => {
        const next = await mutate(this.store.copy(current), current);
        const value = this.store.encode(next);
        if (this.store.unchanged(next, current, value)) return current.object;
        if (admitAs) {
          const attrs = this.attrs(admitAs.operation, next, current.object, ctx, admitAs.subresource);
          await this.admission.mutate(attrs);
          this.fields.recordSubresourceUpdate(next, current.object, ctx, admitAs.subresource);
          await this.admission.validate(attrs);
        }
        if (ctx.dryRun) return next;
        // Admission and the managed fields may have changed it since it was encoded.
        const written = admitAs ? undefined : value;
        return (await this.store.update(next, current.revision, this.strategy.ttlSeconds?.(next), written))
          .object;
      },
    });
  }

  /**
   * The one loop behind every write to an existing object (update, status, delete, binding,
   * scale, the apiserver's own updates): reads the object, `check`s the request's
   * preconditions against it (a failure is final) and runs `attempt` on it. When
   * `retryConflicts` (no precondition pins the revision), an attempt the store refused
   * because someone else wrote in between runs again against the object as the refusal
   * says it now is, until the call is over (see ConflictRetries), as Kubernetes'
   * GuaranteedUpdate does; otherwise the refusal is the answer.
   */
  private async retryOnConflict<R>(
    namespace: string,
    name: string,
    ctx: RequestContext,
    op: {
      retryConflicts: boolean;
      check: (current: Stored<T>) => void;
      attempt: (current: Stored<T>) => Promise<R>;
    },
  ): Promise<R> {
    const retries = op.retryConflicts
      ? new ConflictRetries(ctx, this.retryLines, this.store.key(namespace, name))
      : undefined;
    let latest: Stored<T> | undefined;
    try {
      for (;;) {
        const current = latest ?? (await this.store.get(namespace, name));
        op.check(current);
        try {
          return await op.attempt(current);
        } catch (err) {
          if (!retries) throw err;
          latest = await retries.after<T>(err);
        }
      }
    } finally {
      retries?.done();
    }
  }

  /** A precondition on the revision to change, when there is one: ABORTED once it is gone. */
  private revisionCheck(name: string, expected: number | undefined): (current: Stored<T>) => void {
    return (current) => {
      if (expected !== undefined && expected !== current.revision) throw this.store.conflict(name);
    };
  }

  // ---- delete --------------------------------------------------------------------------------

  /**
   * Deletes an object, or marks it for deletion (deletionTimestamp) while a grace period
   * or finalizers hold it. Resolves with the object as deleted, or as it now is.
   */
  async delete(
    namespace: string,
    name: string,
    options: DeleteOptions | undefined,
    ctx: RequestContext,
  ): Promise<T> {
    const ns = this.namespaceOf(namespace);
    this.requireName(name);
    const policy = options?.propagationPolicy || 'Background';
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw ApiError.invalid(
        `propagationPolicy: Unsupported value: "${policy}": supported values: "Background", "Foreground", "Orphan"`,
        [
          {
            field: 'propagationPolicy',
            reason: 'FieldValueNotSupported',
            message: 'supported values: "Background", "Foreground", "Orphan"',
          },
        ],
      );
    }
    const requestedGrace =
      options?.gracePeriodSeconds === undefined ? undefined : Number(options.gracePeriodSeconds);
    if (requestedGrace !== undefined && (!Number.isSafeInteger(requestedGrace) || requestedGrace < 0)) {
      throw ApiError.invalid(
        `gracePeriodSeconds: Invalid value: ${options?.gracePeriodSeconds}: must be >= 0`,
      );
    }
    const pre = options?.preconditions;
    const preRevision = parseResourceVersion(pre?.resourceVersion ?? '', 'preconditions.resourceVersion');
    // Retried on conflict against the object as it now is, its uid precondition checked
    // again each time; a resourceVersion precondition cannot hold once that revision is gone.
    return this.retryOnConflict(ns, name, ctx, {
      retryConflicts: preRevision === undefined,
      check: (current) => {
        const uid = this.metaOf(current.object).uid;
        if (pre?.uid && pre.uid !== uid) {
          throw ApiError.conflict(
            `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid}`,
            this.store.details(name),
          );
        }
        if (preRevision !== undefined && preRevision !== current.revision) {
          throw ApiError.conflict(
            `Precondition failed: ResourceVersion in precondition: ${preRevision}, ResourceVersion in object meta: ${current.revision}`,
            this.store.details(name),
          );
        }
      },
      attempt: async (current) => {
        await this.admission.validate(this.attrs('DELETE', undefined, current.object, ctx));
        return this.deleteOnce(current.object, current, policy, requestedGrace, ctx);
      },
    });
  }

  private async deleteOnce(
    obj: T,
    current: Stored<T>,
    policy: string,
    requestedGrace: number | undefined,
    ctx: RequestContext,
  ): Promise<T> {
    const meta = this.metaOf(obj);
    const deletion = this.strategy.deletion;
    const grace = deletion?.gracePeriodSeconds?.(obj, requestedGrace) ?? 0;
    const alreadyDeleting = meta.deletionTimestamp !== undefined;

    if (!alreadyDeleting) {
      if (policy === 'Orphan') addFinalizer(meta, 'orphan');
      if (policy === 'Foreground') addFinalizer(meta, 'foregroundDeletion');
    }
    const held = meta.finalizers.length > 0 || deletion?.holdsDeletion?.(obj) === true;
    if (!held && (grace === 0 || (alreadyDeleting && requestedGrace === 0))) {
      if (ctx.dryRun) return obj;
      return this.remove(meta, current.revision);
    }
    if (alreadyDeleting) {
      // A second delete may only shorten the grace period.
      const remaining = Number(meta.deletionGracePeriodSeconds ?? '0');
      if (requestedGrace === undefined || requestedGrace >= remaining) return obj;
    }
    meta.deletionTimestamp = new Date(ctx.now.getTime() + grace * 1000);
    meta.deletionGracePeriodSeconds = String(grace);
    deletion?.prepareForDelete?.(obj);
    if (ctx.dryRun) return obj;
    return (await this.store.update(obj, current.revision, this.strategy.ttlSeconds?.(obj))).object;
  }

  /** Deletes the stored object at `revision`, then releases what it held. */
  private async remove(meta: ObjectMeta, revision: number): Promise<T> {
    const gone = (await this.store.delete(meta.namespace, meta.name, revision)).object;
    await this.hooks.afterDelete?.(gone);
    return gone;
  }

  private deletable(obj: T): boolean {
    return this.metaOf(obj).finalizers.length === 0 && this.strategy.deletion?.holdsDeletion?.(obj) !== true;
  }

  // ---- watch ---------------------------------------------------------------------------------

  /**
   * Events for one client watch: from the watch cache, or, for a resource served
   * without one, from a store watch of its own. resourceVersion "" starts now, "0"
   * starts with the current objects; anything else resumes after that revision.
   */
  async watch(
    namespace: string,
    options: ListOptions | undefined,
    signal: AbortSignal,
  ): Promise<CacheWatcher<T>> {
    const source = this.cache ?? this.uncached;
    if (!source)
      throw ApiError.unavailable(
        `watch of ${this.info.resource} is not available: it has neither a watch cache nor a store to watch`,
      );
    const ns = this.info.namespaced ? namespace : '';
    const rv = options?.resourceVersion ?? '';
    const fromRevision = parseResourceVersion(rv);
    if (fromRevision !== undefined) {
      // The cache may still hold events the store has compacted; Kubernetes' contract is the store's.
      const compacted = await this.store.compactRevision();
      if (fromRevision < compacted) {
        throw ApiError.gone(
          `too old resource version: ${fromRevision} (the store has compacted history up to ${compacted}); list again and watch from the list's resourceVersion`,
        );
      }
    }
    const matches = this.filterOf(options);
    return source.watch({
      prefix: this.store.prefix(ns),
      ...(fromRevision !== undefined ? { fromRevision } : {}),
      sendInitialEvents: options?.sendInitialEvents === true || rv === '0',
      allowBookmarks: options?.allowWatchBookmarks === true,
      ...(matches ? { matches } : {}),
      signal,
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  private attrs(
    operation: Operation,
    object: T | undefined,
    oldObject: T | undefined,
    ctx: RequestContext,
    subresource = '',
  ) {
    const meta = (object ?? oldObject)?.metadata;
    return {
      operation,
      info: this.info,
      subresource,
      namespace: meta?.namespace ?? '',
      name: meta?.name ?? '',
      ...(object ? { object } : {}),
      ...(oldObject ? { oldObject } : {}),
      ctx,
    };
  }

  private requireObject(input: T | undefined): T {
    if (input === undefined) {
      throw ApiError.invalid(
        `the request carries no ${this.info.kind}; put the object in the "${fieldName(this.info)}" field`,
      );
    }
    return input;
  }

  private requireName(name: string): void {
    if (name === '')
      throw ApiError.invalid(`name: Required value: a ${this.info.kind} name is required`, [
        { field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value' },
      ]);
  }

  private metaOf(obj: T): ObjectMeta {
    obj.metadata ??= ObjectMetaFns.create();
    return obj.metadata;
  }

  /** Namespaced kinds default to `default`; cluster-scoped kinds have none. */
  namespaceOf(namespace: string | undefined): string {
    if (!this.info.namespaced) {
      if (namespace) {
        throw ApiError.invalid(
          `metadata.namespace: Forbidden: ${this.info.resource} are cluster-scoped; leave the namespace empty`,
          [
            {
              field: 'metadata.namespace',
              reason: 'FieldValueForbidden',
              message: 'not allowed on a cluster-scoped resource',
            },
          ],
        );
      }
      return '';
    }
    return namespace || 'default';
  }
}

function addFinalizer(meta: ObjectMeta, name: string): void {
  if (!meta.finalizers.includes(name)) meta.finalizers.push(name);
}

function fieldName(info: KindInfo): string {
  return info.kind.charAt(0).toLowerCase() + info.kind.slice(1);
}
