/** What a call came to, as a test compares it: `OK`, or the gRPC code's name and the message. */
import { ApiError, Code } from '../sdk/errors.js';

export async function outcome(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { code: Code[err.code] ?? String(err.code), message: err.message };
    throw err;
  }
  return { code: 'OK', message: '' };
}
