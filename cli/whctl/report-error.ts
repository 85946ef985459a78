/**
 * How whctl shows a failure: what the server said, with its reason and every
 * failed field, as kubectl does (`Error from server (NotFound): ...`); anything
 * else as `error: ...`.
 */
import { ApiError, Code } from '../../sdk/errors.js';
import type { StatusCause } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { ManifestError } from '../../sdk/manifest/manifest-error.js';
import { UsageError } from './usage-error.js';

export function formatError(err: unknown): string {
  if (err instanceof ApiError) {
    // UNAVAILABLE is about reaching the server, which did not say anything itself.
    if (err.code === Code.UNAVAILABLE && err.statusDetails.causes === undefined) {
      // grpc-js appends an empty "Resolution note:" for literal addresses; it says nothing.
      const reason = err.message.replace(/\.?\s*Resolution note:\s*$/, '');
      return `error: cannot reach the apiserver: ${reason}\n`;
    }
    const lines = [`Error from server (${err.reason}): ${headline(err.message, err.causes)}`];
    for (const cause of err.causes) {
      const field = cause.field ? `${cause.field}: ` : '';
      lines.push(`  * ${field}${cause.message}`);
    }
    return `${lines.join('\n')}\n`;
  }
  if (err instanceof UsageError || err instanceof ManifestError) return `error: ${err.message}\n`;
  return `error: ${err instanceof Error ? err.message : String(err)}\n`;
}

/**
 * The message without the causes the server writes into it (`Pod "x" is invalid:
 * a: ...` for one, `[a: ..., b: ...]` for several), as they follow one per line.
 */
function headline(message: string, causes: readonly StatusCause[]): string {
  const rendered = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const suffix = rendered.length === 1 ? ` ${rendered[0]}` : ` [${rendered.join(', ')}]`;
  return causes.length > 0 && message.endsWith(`:${suffix}`) ? message.slice(0, -suffix.length) : message;
}
