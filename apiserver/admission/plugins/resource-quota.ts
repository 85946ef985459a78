/**
 * ResourceQuota: a namespace's quotas bound what its objects may use, and
 * `status.used` says exactly what they use.
 *
 * Charging is race-free: before an object is stored, its usage is added to every quota
 * that selects it by a compare-and-swap update of the quota (refused with
 * RESOURCE_EXHAUSTED when a limit would be passed), so concurrent creates — here or in
 * another apiserver — can never exceed a quota together. Within this apiserver the
 * charges and recounts of one namespace also take turns (a per-namespace lock), which
 * spares them conflict retries.
 *
 * Usage converges: the store write after a charge may still fail, and deletions release
 * nothing by themselves. A recount (the quota controller's job in Kubernetes) sets
 * `status.used` from the watch caches — once they have caught up with the quota as read,
 * so they hold every object whose charge a writer has seen land — plus the charges in
 * flight recorded on the quota (quota-pending.ts), whichever apiserver made them. It runs
 * when a quota is created or its limits change, when a counted object is deleted or a pod
 * finishes, and every `resyncMs`.
 */
import { ApiError, Code } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  type ResourceQuota,
  ResourceQuotaStatus,
} from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { type KindInfo, kinds } from '../../../sdk/kinds.js';
import type { Logger } from '../../../sdk/logger.js';
import { Quantity } from '../../../sdk/quantity.js';
import { addInto, parseList, type ResourceList } from '../../../sdk/resources/resource-list.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import { forbidden, forbiddenPrefix } from './forbidden.js';
import { type PendingCharge, readPending, writePending } from './quota-pending.js';
import type { QuotaEvent, QuotaStore } from './quota-store.js';
import { kindIsTracked, missingCompute, quotaSelects, usageOf } from './quota-usage.js';

export interface ResourceQuotaOptions {
  /** How long a charge whose object has not appeared is still counted. */
  pendingTtlMs?: number;
  /** How often every quota is recounted. */
  resyncMs?: number;
  logger?: Logger;
  now?: () => Date;
}

/** The quota plugin, with what its tests need to drive it. */
export interface ResourceQuotaPlugin extends AdmissionPlugin {
  /** Recounts the quotas of a namespace now. */
  reconcile(namespace: string): Promise<void>;
  /** Resolves when no recount is queued or running. */
  idle(): Promise<void>;
  stop(): void;
}

const quotaInfo = kinds.find((k) => k.kind === 'ResourceQuota')!;

function format(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${list.get(k)}`)
    .join(',');
}

/** Whether status reflects the current spec: otherwise the quota must be recounted before use. */
function synced(quota: ResourceQuota): boolean {
  const hard = quota.spec?.hard ?? {};
  const status = quota.status?.hard ?? {};
  const used = quota.status?.used ?? {};
  const keys = Object.keys(hard);
  return (
    keys.length === Object.keys(status).length &&
    keys.every((k) => status[k] === hard[k] && Object.hasOwn(used, k))
  );
}

function toRecord(list: ResourceList, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = (list.get(k) ?? Quantity.zero).toString();
  return out;
}

export function resourceQuota(store: QuotaStore, opts: ResourceQuotaOptions = {}): ResourceQuotaPlugin {
  const pendingTtlMs = opts.pendingTtlMs ?? 20_000;
  const resyncMs = opts.resyncMs ?? 30_000;
  const now = opts.now ?? (() => new Date());
  const lifetime = new AbortController();
  /** Objects this apiserver's caches have seen arrive or go, by uid: their charges have landed. */
  const landed = new Map<string, number>();
  const locks = new Map<string, Promise<void>>();
  const watched = new Set<string>();
  const dirty = new Set<string>();
  let running: Promise<void> | undefined;
  let started = false;
  let timer: NodeJS.Timeout | undefined;

  /** Runs `fn` when every earlier holder of the namespace's lock is done. */
  async function withLock<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(namespace) ?? Promise.resolve();
    let release!: () => void;
    const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    locks.set(namespace, mine);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(namespace) === mine) locks.delete(namespace);
    }
  }

  // ---- recounting --------------------------------------------------------------------------

  /** Forgets what landed longer ago than any charge is kept. */
  function forgetLanded(): void {
    const cutoff = Date.now() - pendingTtlMs;
    for (const [uid, at] of landed) {
      if (at >= cutoff) break; // In arrival order.
      landed.delete(uid);
    }
  }

  /** The quota's charges in flight, less those that landed or expired. */
  function inFlight(quota: ResourceQuota, seen?: ReadonlySet<string>): Map<string, PendingCharge> {
    const cutoff = Date.now() - pendingTtlMs;
    const charges = readPending(quota);
    for (const [uid, charge] of charges) {
      if (charge.at < cutoff || landed.has(uid) || seen?.has(uid)) charges.delete(uid);
    }
    return charges;
  }

  /**
   * Sets status.hard and status.used of the quota, read at `revision`, from a fresh count:
   * the caches once caught up with that revision, plus the charges still in flight.
   * Call with the lock held.
   */
  async function recount(quota: ResourceQuota, namespace: string, revision: number): Promise<ResourceQuota> {
    const hard = quota.spec?.hard ?? {};
    const used: ResourceList = new Map();
    const at = now();
    const seen = new Set<string>();
    for (const info of kinds) {
      if (!info.namespaced || !kindIsTracked(info, hard)) continue;
      ensureWatched(info);
      for (const obj of await store.objects(info, namespace, revision)) {
        seen.add(obj.metadata?.uid ?? '');
        if (quotaSelects(quota, info, obj)) addInto(used, usageOf(info, obj, at));
      }
    }
    const charges = inFlight(quota, seen);
    for (const charge of charges.values()) {
      const info = kinds.find((k) => k.kind === charge.kind);
      if (info && kindIsTracked(info, hard)) addInto(used, charge.usage);
    }
    writePending(quota, charges);
    quota.status = ResourceQuotaStatus.create({
      hard: { ...hard },
      used: toRecord(used, Object.keys(hard)),
    });
    return quota;
  }

  async function reconcile(namespace: string): Promise<void> {
    await withLock(namespace, async () => {
      for (const q of await store.quotas(namespace)) {
        const name = q.metadata?.name ?? '';
        try {
          await store.update(
            namespace,
            name,
            (quota, revision) => recount(quota, namespace, revision),
            false,
          );
        } catch (err) {
          // Deleted meanwhile: nothing to recount.
          if (!(err instanceof ApiError && err.code === Code.NOT_FOUND)) throw err;
        }
      }
    });
  }

  function schedule(namespace: string): void {
    dirty.add(namespace);
    if (running) return;
    running = (async () => {
      while (dirty.size > 0 && !lifetime.signal.aborted) {
        const [ns] = dirty;
        dirty.delete(ns!);
        try {
          await reconcile(ns!);
        } catch (err) {
          opts.logger?.error({ err, namespace: ns }, 'quota recount failed; retrying later');
        }
      }
      running = undefined;
    })();
  }

  async function scheduleAll(): Promise<void> {
    for (const q of await store.quotas('')) schedule(q.metadata?.namespace ?? '');
  }

  // ---- watching ----------------------------------------------------------------------------

  function onObjectEvent(info: KindInfo, event: QuotaEvent): void {
    const meta = event.object.metadata;
    const uid = meta?.uid ?? '';
    if (event.type === 'ADDED' || event.type === 'DELETED') {
      // Its charge, if any, has landed: from now on the caches count the object.
      landed.delete(uid);
      landed.set(uid, Date.now());
      forgetLanded();
    }
    if (event.type === 'ADDED') return;
    if (event.type === 'DELETED') {
      schedule(meta?.namespace ?? '');
      return;
    }
    if (info.kind === 'Pod') {
      const pod = event.object as Pod;
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed' || meta?.deletionTimestamp !== undefined) {
        schedule(meta?.namespace ?? '');
      }
    }
  }

  function ensureWatched(info: KindInfo): void {
    if (watched.has(info.kind) || lifetime.signal.aborted) return;
    watched.add(info.kind);
    store.watch(
      info,
      { initial: false, signal: lifetime.signal },
      (e) => onObjectEvent(info, e),
      () => watched.delete(info.kind),
    );
  }

  /** Starts following quotas on first use: the caches are ready once requests arrive. */
  function start(): void {
    if (started) return;
    started = true;
    store.watch(
      quotaInfo,
      { initial: true, signal: lifetime.signal },
      (event) => {
        if (event.type !== 'DELETED' && !synced(event.object as ResourceQuota)) {
          schedule(event.object.metadata?.namespace ?? '');
        }
      },
      // The apiserver is stopping: stop with it.
      () => stop(),
    );
    timer = setInterval(() => void scheduleAll().catch(() => {}), resyncMs);
    timer.unref();
  }

  function stop(): void {
    lifetime.abort();
    if (timer) clearInterval(timer);
  }

  // ---- charging ----------------------------------------------------------------------------

  async function charge(attrs: AdmissionAttributes, obj: KindObject): Promise<void> {
    const { namespace, info } = attrs;
    const usage = usageOf(info, obj, now());
    const quotas = (await store.quotas(namespace)).filter(
      (q) => kindIsTracked(info, q.spec?.hard ?? {}) && quotaSelects(q, info, obj),
    );
    if (quotas.length === 0) return;
    if (info.kind === 'Pod') {
      for (const q of quotas) {
        const missing = missingCompute(q, obj as Pod);
        if (missing.size === 0) continue;
        const what = [...missing].map(([name, containers]) => `${name} for: ${containers.join(',')}`);
        throw forbidden(attrs, `failed quota: ${q.metadata?.name}: must specify ${what.join('; ')}`);
      }
    }
    // Watch the kind before charging, so that the object's arrival is not missed.
    ensureWatched(info);
    const dryRun = attrs.ctx.dryRun;
    const uid = obj.metadata?.uid ?? '';
    await withLock(namespace, async () => {
      const charged: { name: string; delta: ResourceList }[] = [];
      try {
        for (const q of quotas) {
          const name = q.metadata?.name ?? '';
          let delta: ResourceList = new Map();
          await store.update(
            namespace,
            name,
            async (quota, revision) => {
              if (!synced(quota)) await recount(quota, namespace, revision);
              const hard = parseList(quota.spec?.hard);
              const used = parseList(quota.status?.used);
              delta = new Map([...usage].filter(([k]) => hard.has(k)));
              const exceeded = [...delta.keys()].filter(
                (k) => (used.get(k) ?? Quantity.zero).add(delta.get(k)!).cmp(hard.get(k)!) > 0,
              );
              if (exceeded.length > 0) {
                const pick = (list: ResourceList) =>
                  new Map(exceeded.map((k) => [k, list.get(k) ?? Quantity.zero]));
                throw ApiError.exhausted(
                  `${forbiddenPrefix(attrs)}exceeded quota: ${name}, requested: ${format(pick(delta))}, used: ${format(pick(used))}, limited: ${format(pick(hard))}`,
                  { name: attrs.name, group: info.apiGroup, kind: info.kind },
                );
              }
              addInto(used, delta);
              const charges = inFlight(quota);
              if (!dryRun && uid !== '') charges.set(uid, { kind: info.kind, usage, at: Date.now() });
              writePending(quota, charges);
              quota.status = ResourceQuotaStatus.create({
                hard: { ...(quota.spec?.hard ?? {}) },
                used: toRecord(used, Object.keys(quota.spec?.hard ?? {})),
              });
              return quota;
            },
            dryRun,
          );
          charged.push({ name, delta });
        }
      } catch (err) {
        if (!dryRun) await rollback(namespace, uid, charged);
        throw err;
      }
    });
  }

  /** Gives back what a refused request had charged to the quotas before the one that refused. */
  async function rollback(
    namespace: string,
    uid: string,
    charged: { name: string; delta: ResourceList }[],
  ): Promise<void> {
    for (const { name, delta } of charged) {
      try {
        await store.update(
          namespace,
          name,
          (quota) => {
            const used = parseList(quota.status?.used);
            for (const [k, q] of delta) {
              const left = (used.get(k) ?? Quantity.zero).sub(q);
              used.set(k, left.sign() < 0 ? Quantity.zero : left);
            }
            const charges = inFlight(quota);
            charges.delete(uid);
            writePending(quota, charges);
            quota.status = ResourceQuotaStatus.create({
              hard: { ...(quota.status?.hard ?? {}) },
              used: toRecord(used, Object.keys(quota.status?.used ?? {})),
            });
            return quota;
          },
          false,
        );
      } catch (err) {
        opts.logger?.warn(
          { err, namespace, quota: name },
          'quota rollback failed; the recount will correct it',
        );
        schedule(namespace);
      }
    }
  }

  return {
    name: 'ResourceQuota',
    async validate(attrs) {
      start();
      if (attrs.operation !== 'CREATE' || attrs.subresource !== '' || !attrs.info.namespaced) return;
      if (!attrs.object) return;
      await charge(attrs, attrs.object);
    },
    reconcile,
    async idle() {
      while (running) await running;
    },
    stop,
  };
}
