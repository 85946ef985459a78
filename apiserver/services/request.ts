/**
 * The front of every API call: who is calling (set by the authenticator before the
 * handler runs), whether they may do it (the authorizer), and the request context
 * the registry's steps receive.
 */
import type { Metadata } from '@grpc/grpc-js';
import { ApiError } from '../../sdk/errors.js';
import type { KindInfo } from '../../sdk/kinds.js';
import { callerOf } from '../../sdk/server/index.js';
import { quoteRaw } from '../../sdk/truncate.js';
import { anonymousUser } from '../auth/authenticate.js';
import type { Authorizer, Decision, RequestAttributes, UserInfo } from '../auth/types.js';
import type { NameRule, RequestContext } from '../registry/strategy.js';
import { objectKeyErrors } from '../storage/keys.js';
import {
  type ErrorList,
  errorMessage,
  FieldPath,
  invalid,
  nameValidators,
  validateDnsLabel,
} from '../validation/index.js';
import { toApiError } from '../validation/to-api-error.js';

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

/** How a kind's names are checked (its strategy's rule); undefined: only as store keys. */
export type NameRuleOf = (info: KindInfo) => NameRule | undefined;

const namePath = FieldPath.of('metadata', 'name');
const namespacePath = FieldPath.of('metadata', 'namespace');

/**
 * Why no object of the kind can have this namespace and name: a namespace that is not a
 * DNS label, a name its kind's rule refuses, or either unfit for a store key. Empty when
 * one can (whether it exists is the registry's business).
 */
export function addressErrors(info: KindInfo, namespace: string, name: string, rule?: NameRule): ErrorList {
  const errs: ErrorList = [];
  if (info.namespaced && namespace !== '') errs.push(...validateDnsLabel(namespace, namespacePath));
  if (name !== '' && rule !== undefined) {
    for (const msg of nameValidators[rule](name, false)) errs.push(invalid(namePath, name, msg));
  }
  return errs.length > 0 ? errs : objectKeyErrors(info, namespace, name);
}

/** `Pod "x" is invalid: ...` for a request about one object; for a list, watch or create, the namespace's. */
function addressError(access: Access, namespace: string, errs: ErrorList): ApiError {
  const err = toApiError(access.info, access.name, errs);
  if (access.name !== '') return err;
  const messages = errs.map(errorMessage).join(', ');
  return ApiError.invalid(
    `${access.info.resource} in the namespace ${quoteRaw(namespace)}: ${messages}`,
    err.causes,
    err.statusDetails,
  );
}

export class RequestGate {
  /**
   * `recordDecisions`: keep each call's attributes and decision for `requestOf` (the
   * audit log needs them). Off, a call leaves nothing behind in a table the garbage
   * collector has to trace. `nameRuleOf`: each kind's name rule, to refuse a request for
   * a name no object can have as INVALID_ARGUMENT naming the field.
   */
  constructor(
    private readonly authorizer: Authorizer,
    private readonly recordDecisions = true,
    private readonly nameRuleOf: NameRuleOf = () => undefined,
  ) {}

  /** Authorizes the call and returns the context for the registry; PERMISSION_DENIED otherwise. */
  async admit(metadata: Metadata, access: Access, dryRun = false): Promise<RequestContext> {
    const user = callerOf<UserInfo>(metadata) ?? anonymousUser;
    return this.admitUser(user, access, dryRun, metadata);
  }

  /**
   * As admit, for a caller authenticated outside gRPC (the REST API). `record`: the key
   * the call's attributes and decision are kept under for `requestOf` (audit).
   */
  async admitUser(
    user: UserInfo,
    access: Access,
    dryRun = false,
    record?: Metadata,
  ): Promise<RequestContext> {
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
    if (this.recordDecisions && record !== undefined) decided.set(record, { attributes, decision });
    if (!decision.allowed) {
      const resource = subresource ? `${access.info.resource}/${subresource}` : access.info.resource;
      const group = access.info.apiGroup === '' ? '' : ` in API group "${access.info.apiGroup}"`;
      const where = access.info.namespaced
        ? namespace
          ? ` in the namespace ${quoteRaw(namespace)}`
          : ' at the cluster scope'
        : ' at the cluster scope';
      const target = access.name ? `${access.info.resource} ${quoteRaw(access.name)}` : access.info.resource;
      throw ApiError.forbidden(
        `${target} is forbidden: User "${user.name}" cannot ${access.verb} resource "${resource}"${group}${where}${decision.reason ? `: ${decision.reason}` : ''}`,
        { name: access.name, group: access.info.apiGroup, kind: access.info.kind },
      );
    }
    // As Kubernetes checks a request's name once it is authorized (a name with '/' is a bad
    // request there): a namespace or name that cannot exist is an invalid one, not NOT_FOUND.
    const errs = addressErrors(access.info, namespace, access.name, this.nameRuleOf(access.info));
    if (errs.length > 0) throw addressError(access, namespace, errs);
    return { user: user.name, groups: user.groups, dryRun, now: new Date() };
  }
}
