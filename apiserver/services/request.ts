/**
 * The front of every API call: who is calling (set by the authenticator before the
 * handler runs), whether they may do it (the authorizer), and the request context
 * the registry's steps receive.
 */
import type { Metadata } from '@grpc/grpc-js';
import { ApiError } from '../../sdk/errors.js';
import type { KindInfo } from '../../sdk/kinds.js';
import { callerOf } from '../../sdk/server/index.js';
import { anonymousUser } from '../auth/authenticate.js';
import type { Authorizer, Decision, RequestAttributes, UserInfo } from '../auth/types.js';
import type { RequestContext } from '../registry/strategy.js';

export interface Access {
  verb: string;
  info: KindInfo;
  subresource?: string;
  namespace: string;
  name: string;
}

/** What each call asked to do and what authorization said: read at the call's end by the audit log. */
const decided = new WeakMap<Metadata, { attributes: RequestAttributes; decision: Decision }>();

export function requestOf(
  metadata: Metadata | undefined,
): { attributes: RequestAttributes; decision: Decision } | undefined {
  return metadata ? decided.get(metadata) : undefined;
}

export class RequestGate {
  /**
   * `recordDecisions`: keep each call's attributes and decision for `requestOf` (the
   * audit log needs them). Off, a call leaves nothing behind in a table the garbage
   * collector has to trace.
   */
  constructor(
    private readonly authorizer: Authorizer,
    private readonly recordDecisions = true,
  ) {}

  /** Authorizes the call and returns the context for the registry; PERMISSION_DENIED otherwise. */
  async admit(metadata: Metadata, access: Access, dryRun = false): Promise<RequestContext> {
    const user = callerOf<UserInfo>(metadata) ?? anonymousUser;
    const subresource = access.subresource ?? '';
    const namespace = access.info.namespaced ? access.namespace : '';
    const attributes: RequestAttributes = {
      user,
      verb: access.verb,
      apiGroup: access.info.apiGroup,
      resource: access.info.resource,
      subresource,
      namespace,
      name: access.name,
    };
    const decision = await this.authorizer.authorize(attributes);
    if (this.recordDecisions) decided.set(metadata, { attributes, decision });
    if (!decision.allowed) {
      const resource = subresource ? `${access.info.resource}/${subresource}` : access.info.resource;
      const group = access.info.apiGroup === '' ? '' : ` in API group "${access.info.apiGroup}"`;
      const where = access.info.namespaced
        ? namespace
          ? ` in the namespace "${namespace}"`
          : ' at the cluster scope'
        : ' at the cluster scope';
      const target = access.name ? `${access.info.resource} "${access.name}"` : access.info.resource;
      throw ApiError.forbidden(
        `${target} is forbidden: User "${user.name}" cannot ${access.verb} resource "${resource}"${group}${where}${decision.reason ? `: ${decision.reason}` : ''}`,
        { name: access.name, group: access.info.apiGroup, kind: access.info.kind },
      );
    }
    return { user: user.name, groups: user.groups, dryRun, now: new Date() };
  }
}
