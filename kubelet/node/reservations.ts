/**
 * `--kube-reserved` and `--system-reserved` (`cpu=100m,memory=256Mi,pid=1000`), and the
 * Node's allocatable: capacity minus both, never below zero.
 */
import { parseQuantity, Quantity } from '../../sdk/quantity.js';

export function parseReservation(text: string, flag: string): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const [name, value] = part.split('=', 2);
    if (!name || value === undefined) {
      throw new Error(`--${flag} "${text}": expected resource=quantity pairs, e.g. cpu=100m,memory=256Mi`);
    }
    try {
      out.set(name, parseQuantity(value));
    } catch (err) {
      throw new Error(`--${flag}: ${name}=${value} is not a quantity: ${(err as Error).message}`);
    }
  }
  return out;
}

export function allocatableOf(
  capacity: Readonly<Record<string, string>>,
  ...reserved: ReadonlyMap<string, Quantity>[]
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(capacity)) {
    let q = parseQuantity(text);
    for (const r of reserved) {
      const minus = r.get(name);
      if (minus) q = q.sub(minus);
    }
    out[name] = (q.sign() < 0 ? Quantity.zero : q).toString();
  }
  return out;
}
