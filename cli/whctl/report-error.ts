/**
 * How whctl shows a failure: what the server said, with its reason and every
 * failed field, as kubectl does (`Error from server (NotFound): ...`); anything
 * else as `error: ...`.
 */
import { ApiError, Code } from '../../sdk/errors.js';
import { ManifestError } from '../../sdk/manifest/index.js';
import { UsageError } from './usage-error.js';

export function formatError(err: unknown): string {
  if (err instanceof ApiError) {
    // UNAVAILABLE is about reaching the server, which did not say anything itself.
    if (err.code === Code.UNAVAILABLE && err.statusDetails.causes === undefined) {
      // grpc-js appends an empty "Resolution note:" for literal addresses; it says nothing.
      const reason = err.message.replace(/\.?\s*Resolution note:\s*$/, '');
      return `error: cannot reach the apiserver: ${reason}\n`;
    }
    const lines = [`Error from server (${err.reason}): ${err.message}`];
    for (const cause of err.causes) {
      const field = cause.field ? `${cause.field}: ` : '';
      const reason = cause.reason ? ` (${cause.reason})` : '';
      lines.push(`  * ${field}${cause.message}${reason}`);
    }
    return `${lines.join('\n')}\n`;
  }
  if (err instanceof UsageError || err instanceof ManifestError) return `error: ${err.message}\n`;
  return `error: ${err instanceof Error ? err.message : String(err)}\n`;
}
