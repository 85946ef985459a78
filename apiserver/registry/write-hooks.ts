/**
 * What a kind does around its writes beyond the strategy, for kinds whose objects hold
 * something outside themselves (Kubernetes' BeginCreate, BeginUpdate and AfterDelete):
 * a Service's cluster IP and node ports, reserved in the store so that no two Services
 * share one. Strategies stay pure; hooks may read and write storage.
 *
 * A begin hook runs after the strategy's prepare step and before validation, so that what
 * it fills in (an allocated IP) is validated and stored with the object. It answers a
 * `finish`, which the registry calls once the write is over: with true when the object
 * was stored (release what the old object held and the new one does not), false when it
 * was not (release what this write took). A begin hook that fails has taken nothing.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { RequestContext } from './request-context.js';

export type FinishWrite = (stored: boolean) => Promise<void>;

export interface WriteHooks<T extends KindObject> {
  beginCreate?(obj: T, ctx: RequestContext): Promise<FinishWrite>;
  beginUpdate?(obj: T, old: T, ctx: RequestContext): Promise<FinishWrite>;
  /** After the object is gone from the store (not when it is only marked for deletion). */
  afterDelete?(obj: T): Promise<void>;
}

/** Runs `write` between `finish`'s two outcomes. */
export async function finishing<R>(finish: FinishWrite | undefined, write: () => Promise<R>): Promise<R> {
  if (finish === undefined) return write();
  let stored = false;
  try {
    const result = await write();
    stored = true;
    return result;
  } finally {
    await finish(stored);
  }
}
