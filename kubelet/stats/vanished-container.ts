/**
 * Whether a failed stats call only means that a container went away while the runtime
 * gathered its figures: containerd lists its containers, then asks each one's task for
 * metrics, and a container removed in between fails the whole ListContainerStats with
 * "... not found" (code NotFound, or Unknown where the runtime wrapped the error without
 * its kind). That is ordinary churn on a busy node, not a fault worth a warning: the
 * next sample, a period later, no longer lists the container.
 */
import { Code, isApiError } from '../../sdk/errors.js';

export function isVanishedContainer(err: unknown): boolean {
  if (!isApiError(err)) return false;
  if (err.code === Code.NOT_FOUND) return true;
  return err.code === Code.UNKNOWN && /\bnot found\b/i.test(err.message);
}
