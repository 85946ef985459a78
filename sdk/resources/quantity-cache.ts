/**
 * Parsed quantities by their text, for the per-request path. One Pod create parses its
 * resource quantities several times (validation, the QoS class, LimitRanger,
 * ResourceQuota) and the same few strings ("100m", "128Mi") come in request after
 * request. A Quantity is immutable, so one parse result can be shared by all of them.
 */
import { Quantity, type QuantityParseResult } from '../quantity.js';

/** Quantities are short; longer text is parsed every time rather than kept. */
const maxCachedLength = 64;
const maxEntries = 4096;
const parsed = new Map<string, QuantityParseResult>();

/** `Quantity.tryParse`, answered from the cache when the text was parsed before. */
export function tryParseQuantity(text: string): QuantityParseResult {
  let result = parsed.get(text);
  if (result !== undefined) return result;
  result = Quantity.tryParse(text);
  if (text.length <= maxCachedLength) {
    // Many distinct quantities (unlikely but possible) only cost a reparse, never unbounded memory.
    if (parsed.size >= maxEntries) parsed.clear();
    parsed.set(text, result);
  }
  return result;
}
