/**
 * `wheelhouse.authorization.v1.AccessReviewService`: "may this user do that?" answered
 * by the apiserver's own authorizers, and "who am I?". Kubernetes' SelfSubjectAccessReview,
 * SubjectAccessReview and SelfSubjectReview as RPCs.
 *
 * Asking for oneself takes `create selfsubjectaccessreviews` (every authenticated user
 * has it through `system:basic-user`); asking about someone else takes `create
 * subjectaccessreviews`, which only admins have: who may do what is itself sensitive.
 * These checks go through the request gate like any call, so they are audited too.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ApiError } from '../../sdk/errors.js';
import type {
  CheckAccessRequest,
  CheckAccessResponse,
  ListRulesRequest,
  ListRulesResponse,
  WhoAmIRequest,
  WhoAmIResponse,
} from '../../sdk/gen/wheelhouse/authorization/v1/access_review_service.js';
import type { UserInfo as UserInfoMessage } from '../../sdk/gen/wheelhouse/authorization/v1/user_info.js';
import { type KindInfo, kinds } from '../../sdk/kinds.js';
import { asyncUnary, callerOf } from '../../sdk/server/index.js';
import { anonymousUser } from '../auth/authenticate.js';
import type { AccessAuthorizer } from '../auth/authorization-modes.js';
import type { RuleResolver } from '../auth/rbac/rule-resolver.js';
import type { UserInfo } from '../auth/types.js';
import type { RequestGate } from './request.js';

export const accessReviewServiceName = 'wheelhouse.authorization.v1.AccessReviewService';

/**
 * The review "resources" as RBAC names them. They are not stored kinds; the gate only
 * reads group, resource and scope from a KindInfo (protoGroup is never used for them).
 */
function reviewResource(apiGroup: string, kind: string, resource: string): KindInfo {
  return {
    protoGroup: 'core',
    apiGroup,
    version: 'v1',
    kind,
    resource,
    namespaced: false,
    status: false,
    scale: false,
    shortNames: [],
  };
}

export const selfSubjectAccessReviews = reviewResource(
  'authorization.k8s.io',
  'SelfSubjectAccessReview',
  'selfsubjectaccessreviews',
);
export const subjectAccessReviews = reviewResource(
  'authorization.k8s.io',
  'SubjectAccessReview',
  'subjectaccessreviews',
);
export const selfSubjectReviews = reviewResource(
  'authentication.k8s.io',
  'SelfSubjectReview',
  'selfsubjectreviews',
);
export const selfSubjectRulesReviews = reviewResource(
  'authorization.k8s.io',
  'SelfSubjectRulesReview',
  'selfsubjectrulesreviews',
);

function toMessage(user: UserInfo): UserInfoMessage {
  const extra: UserInfoMessage['extra'] = {};
  for (const [key, values] of Object.entries(user.extra ?? {})) extra[key] = { values: [...values] };
  return { username: user.name, uid: user.uid, groups: [...user.groups], extra };
}

function fromMessage(user: UserInfoMessage): UserInfo {
  const extra: Record<string, readonly string[]> = {};
  for (const [key, value] of Object.entries(user.extra)) extra[key] = value.values;
  return { name: user.username, uid: user.uid, groups: user.groups, extra };
}

export function accessReviewService(
  authorizer: AccessAuthorizer,
  gate: RequestGate,
  rules?: RuleResolver,
): UntypedServiceImplementation {
  return {
    checkAccess: asyncUnary<CheckAccessRequest, CheckAccessResponse>(async (req, call) => {
      const caller = callerOf<UserInfo>(call.metadata) ?? anonymousUser;
      const other = req.subject !== undefined;
      if (other && req.subject?.username === '' && req.subject.groups.length === 0) {
        throw ApiError.invalid('subject must name a user or at least one group');
      }
      await gate.admit(call.metadata, {
        verb: 'create',
        info: other ? subjectAccessReviews : selfSubjectAccessReviews,
        namespace: '',
        name: '',
      });
      const user = req.subject ? fromMessage(req.subject) : caller;
      return reviewAccess(authorizer, user, req.attributes);
    }),
    listRules: asyncUnary<ListRulesRequest, ListRulesResponse>(async (req, call) => {
      await gate.admit(call.metadata, {
        verb: 'create',
        info: selfSubjectRulesReviews,
        namespace: '',
        name: '',
      });
      const caller = callerOf<UserInfo>(call.metadata) ?? anonymousUser;
      return reviewRules(rules, caller, req.namespace);
    }),
    whoAmI: asyncUnary<WhoAmIRequest, WhoAmIResponse>(async (_req, call) => {
      await gate.admit(call.metadata, { verb: 'create', info: selfSubjectReviews, namespace: '', name: '' });
      return { userInfo: toMessage(callerOf<UserInfo>(call.metadata) ?? anonymousUser) };
    }),
  };
}

/** Whether `user` may do what `attributes` describe, as the apiserver's authorizers decide. */
export async function reviewAccess(
  authorizer: AccessAuthorizer,
  user: UserInfo,
  attributes: CheckAccessRequest['attributes'],
): Promise<CheckAccessResponse> {
  if (!attributes) {
    throw ApiError.invalid('set exactly one of resourceAttributes and nonResourceAttributes');
  }
  let decision: { allowed: boolean; reason: string };
  if (attributes.$case === 'resourceAttributes') {
    const a = attributes.value;
    if (a.verb === '' || a.resource === '')
      throw ApiError.invalid('resourceAttributes need a verb and a resource');
    // `pods/log` is accepted as the resource too, as `kubectl auth can-i get pods/log` writes it.
    const [resource = '', sub = ''] =
      a.subresource === '' ? a.resource.split('/') : [a.resource, a.subresource];
    // A namespace says nothing about a cluster-scoped resource: RoleBindings cannot grant it.
    const clusterScoped = kinds.some(
      (k) => k.resource === resource && k.apiGroup === a.group && !k.namespaced,
    );
    decision = await authorizer.authorize({
      user,
      verb: a.verb,
      apiGroup: a.group,
      resource,
      subresource: sub,
      namespace: clusterScoped ? '' : a.namespace,
      name: a.name,
    });
  } else {
    const a = attributes.value;
    if (a.verb === '' || !a.path.startsWith('/')) {
      throw ApiError.invalid('nonResourceAttributes need a verb and a path starting with /');
    }
    decision = authorizer.authorizeNonResource(user, a.verb, a.path);
  }
  return { allowed: decision.allowed, denied: false, reason: decision.reason, evaluationError: '' };
}

/** The RBAC rules `user` holds in `namespace` ('' for cluster-wide), resource and non-resource apart. */
export async function reviewRules(
  rules: RuleResolver | undefined,
  user: UserInfo,
  namespace: string,
): Promise<ListRulesResponse> {
  if (!rules)
    throw ApiError.unimplemented('this apiserver does not authorize with RBAC: it has no rules to list');
  const resolved = await rules.rulesFor(user, namespace);
  const isNonResource = (r: { nonResourceUrls: string[] }) => r.nonResourceUrls.length > 0;
  return {
    resourceRules: resolved.rules.filter((r) => !isNonResource(r)),
    nonResourceRules: resolved.rules.filter(isNonResource),
    // The node authorizer grants kubelets more than their roles say, as in Kubernetes.
    incomplete: resolved.errors.length > 0 || user.groups.includes('system:nodes'),
    evaluationError: resolved.errors.join('; '),
  };
}
