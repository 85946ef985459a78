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
import type { Authorizer, UserInfo } from '../auth/types.js';
import type { RequestContext } from '../registry/strategy.js';

export interface Access {
  verb: string;
  info: KindInfo;
  subresource?: string;
  namespace: string;
  name: string;
}

export class RequestGate {
  constructor(private readonly authorizer: Authorizer) {}

  /** Authorizes the call and returns the context for the registry; PERMISSION_DENIED otherwise. */
  async admit(metadata: Metadata, access: Access, dryRun = false): Promise<RequestContext> {
    const user = callerOf<UserInfo>(metadata) ?? anonymousUser;
    const subresource = access.subresource ?? '';
    const namespace = access.info.namespaced ? access.namespace : '';
    const decision = await this.authorizer.authorize({
      user,
      verb: access.verb,
      apiGroup: access.info.apiGroup,
      resource: access.info.resource,
      subresource,
      namespace,
      name: access.name,
    });
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
