import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { fieldManagerOf } from '../../sdk/patch/managed-fields.js';
import type { RequestContext } from '../registry/strategy.js';

/**
 * The context of a write bound to its call: the registry retries conflicts until the
 * client cancels or the call's deadline passes.
 */
/**
 * The reason every cancelled call's signal carries. grpc-js reports every unary call as
 * cancelled when its stream closes, answered or not; aborting without a reason would build
 * a DOMException, stack trace and all, for each call.
 */
const CALL_CANCELLED = new Error('the call was cancelled');

export function boundToCall(ctx: RequestContext, call: ServerUnaryCall<unknown, unknown>): RequestContext {
  const controller = new AbortController();
  if (call.cancelled) controller.abort(CALL_CANCELLED);
  else call.once('cancelled', () => controller.abort(CALL_CANCELLED));
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return { ...ctx, signal: controller.signal, ...(Number.isFinite(ms) ? { deadline: ms } : {}) };
}

/** The context with the write's field manager named by the client's user agent, as Kubernetes names it. */
export function managedBy(ctx: RequestContext, metadata: Metadata): RequestContext {
  const agent = metadata.get('user-agent')[0];
  return { ...ctx, fieldManager: fieldManagerOf(undefined, typeof agent === 'string' ? agent : undefined) };
}
