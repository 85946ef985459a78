/**
 * The `continue` token of a paginated list: the revision of the list's snapshot and
 * the last key returned. Opaque to clients; every page is read at the same revision,
 * so a list is one consistent snapshot until the store compacts that revision.
 */
import { ApiError } from '../../sdk/errors.js';

export interface ContinuePosition {
  revision: number;
  startAfter: string;
}

export function encodeContinue(pos: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: 1, rv: pos.revision, start: pos.startAfter })).toString('base64url');
}

export function decodeContinue(token: string, prefix: string): ContinuePosition {
  try {
    const raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      rv?: unknown;
      start?: unknown;
    };
    if (
      raw.v === 1 &&
      typeof raw.rv === 'number' &&
      Number.isSafeInteger(raw.rv) &&
      typeof raw.start === 'string'
    ) {
      if (raw.start.startsWith(prefix)) return { revision: raw.rv, startAfter: raw.start };
    }
  } catch {
    // Reported below.
  }
  throw ApiError.invalid(
    'continue: Invalid value: the continue token is not valid for this list; list again without it',
    [{ field: 'continue', reason: 'FieldValueInvalid', message: 'not a continue token of this list' }],
  );
}
