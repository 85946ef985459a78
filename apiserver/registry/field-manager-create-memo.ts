/**
 * The fieldsV1 of creates, by what their field set depends on (created-fields-key.ts):
 * every Pod a ReplicaSet creates has the same template, labels and owner, so its set is
 * worked out and encoded once and its bytes reused for the rest.
 *
 * Bounded, least recently used first out: a key is the walk of one object (about a KiB
 * for a Pod), so the memo holds at most `max` of them and their texts. A text is kept
 * once, in a buffer of its own, and shared by the objects it is given to: nothing writes
 * into a fieldsV1's bytes (entries are replaced whole, never patched).
 */

/** null: the create owns nothing (no entry). */
export type CreatedFields = Buffer | null;

export class CreateMemo {
  private readonly entries = new Map<string, CreatedFields>();

  constructor(private readonly max: number) {}

  /** The fields memoised for `key` (and it becomes the most recently used); undefined when none are. */
  get(key: string): CreatedFields | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** Memoises `fields` for `key`, as a copy of its own, which it returns. */
  set(key: string, fields: CreatedFields): CreatedFields {
    this.entries.delete(key);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const own = fields && ownCopy(fields);
    this.entries.set(key, own);
    return own;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * A copy the size of the text: a Buffer made from a string may be a slice of a shared
 * pool, which the memo would otherwise hold on to.
 */
function ownCopy(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(out);
  return out;
}
