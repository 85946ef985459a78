/**
 * Bounds on text that repeats what a client sent. An error message that echoes a
 * 40,000-character name or a 1 MiB selector in full cannot travel in a gRPC trailer
 * (clients refuse header blocks of more than a few KiB) and floods the logs, so every
 * echo is cut to a prefix and marked, as Kubernetes prints long values cut short.
 */

/** What follows a prefix that stands for a longer text. */
export const truncatedMark = '...(truncated)';

/** The longest value an error message repeats in full, in characters. */
export const maxEchoedChars = 128;

/** Where to cut `text` to keep at most `max` UTF-16 units without splitting a surrogate pair. */
function cutAt(text: string, max: number): number {
  if (max <= 0) return 0;
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/**
 * `text` itself when it has at most `maxChars` characters; otherwise its first
 * characters followed by `...(truncated)`, `maxChars` characters in all (at least the mark).
 */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return text.slice(0, cutAt(text, maxChars - truncatedMark.length)) + truncatedMark;
}

/**
 * A value quoted for a message, as Kubernetes quotes strings (`"web"`); a longer one
 * than `maxChars` prints its prefix: `"aaaa..."(truncated)`.
 */
export function quote(value: string, maxChars = maxEchoedChars): string {
  if (value.length <= maxChars) return JSON.stringify(value);
  return `${JSON.stringify(`${value.slice(0, cutAt(value, maxChars))}...`)}(truncated)`;
}

/**
 * A value between double quotes as it is, without escaping (as the selector parsers
 * have always printed what they refuse); a longer one prints its prefix like `quote`.
 */
export function quoteRaw(value: string, maxChars = maxEchoedChars): string {
  if (value.length <= maxChars) return `"${value}"`;
  return `"${value.slice(0, cutAt(value, maxChars))}..."(truncated)`;
}

/** Lone surrogates (half of a pair) cannot be encoded as UTF-8 or percent-encoded. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with every lone surrogate replaced by U+FFFD, so that it encodes. */
export function wellFormed(text: string): string {
  return text.replace(loneSurrogate, '\ufffd');
}

/** Characters `encodeURI` leaves as they are; every other byte of UTF-8 becomes `%XX`. */
const uriSafe = /[A-Za-z0-9;,/?:@&=+$\-_.!~*'()#]/;

/**
 * `text` (made well-formed) cut so that its UTF-8 form has at most `maxBytes` bytes and its
 * percent-encoded form (gRPC's `grpc-message`, through `encodeURI`) at most `maxEncoded`,
 * the mark included when cut. Never splits a character.
 */
export function truncateBytes(text: string, maxBytes: number, maxEncoded = Number.POSITIVE_INFINITY): string {
  const input = wellFormed(text);
  // Short enough whatever the characters: every UTF-16 unit is at most 3 bytes, 9 encoded.
  if (input.length * 3 <= maxBytes && input.length * 9 <= maxEncoded) return input;
  const markBytes = truncatedMark.length;
  let bytes = 0;
  let encoded = 0;
  /** Where the prefix that leaves room for the mark ends. */
  let cut = -1;
  let i = 0;
  for (const ch of input) {
    const code = ch.codePointAt(0) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    const enc = code < 0x80 && uriSafe.test(ch) ? 1 : size * 3;
    if (cut < 0 && (bytes + size > maxBytes - markBytes || encoded + enc > maxEncoded - markBytes)) cut = i;
    bytes += size;
    encoded += enc;
    if (bytes > maxBytes || encoded > maxEncoded) return input.slice(0, Math.max(cut, 0)) + truncatedMark;
    i += ch.length;
  }
  return input;
}
