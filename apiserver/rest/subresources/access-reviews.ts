/**
 * The access reviews as REST resources that are not stored: authorization.k8s.io/v1
 * SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview (asking for someone
 * else: admins only), SelfSubjectRulesReview (`kubectl auth can-i --list`) and
 * authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`), and the namespaced
 * LocalSubjectAccessReview (asking for someone else within one namespace). Each is a POST
 * answered with the object and its status, decided by the same functions as the gRPC
 * AccessReviewService. kubectl sends the reviews as protobuf; JSON is taken too.
 */
import type { CheckAccessRequest } from '../../../sdk/gen/wheelhouse/authorization/v1/access_review_service.js';
import type { PolicyRule } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { Json, JsonObject } from '../../../sdk/manifest/index.js';
import type { UserInfo } from '../../auth/types.js';
import {
  reviewAccess,
  reviewRules,
  selfSubjectAccessReviews,
  selfSubjectReviews,
  selfSubjectRulesReviews,
  subjectAccessReviews,
} from '../../services/access-review.js';
import { HttpError } from '../errors.js';
import { decodeProtobufObject, protobufMediaType } from '../k8s-protobuf/index.js';
import type { RestRequest, RestServices, RestVirtualResource } from '../types.js';

const authorizationVersion = 'authorization.k8s.io/v1';
const authenticationVersion = 'authentication.k8s.io/v1';

function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

function text(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** The review in the body, JSON or protobuf, checked to be `kind`. */
async function reviewOf(req: RestRequest, kind: string, apiVersion: string): Promise<JsonObject> {
  if (req.method !== 'POST') throw HttpError.methodNotAllowed(`${kind} only takes POST (create)`);
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  const body = await req.body();
  let review: JsonObject;
  if (type === protobufMediaType) {
    review = decodeProtobufObject(body);
  } else if (type === 'application/json' || type === '') {
    let json: unknown;
    try {
      json = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw HttpError.badRequest(
        `the body is not a JSON ${kind}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (!isObject(json as Json)) throw HttpError.badRequest(`the body must be a JSON object of kind ${kind}`);
    review = json as JsonObject;
  } else {
    throw HttpError.unsupportedMediaType(
      `the Content-Type "${type}" is not supported: send ${kind} as application/json or ${protobufMediaType}`,
    );
  }
  if (review.kind !== undefined && review.kind !== '' && review.kind !== kind) {
    throw HttpError.badRequest(`the body is a ${String(review.kind)}; this resource takes a ${kind}`);
  }
  if (review.apiVersion !== undefined && review.apiVersion !== '' && review.apiVersion !== apiVersion) {
    throw HttpError.badRequest(
      `${kind} of apiVersion ${String(review.apiVersion)} is not served here: use ${apiVersion}`,
    );
  }
  return review;
}

/** The attributes of a review's spec as the authorizers' request (one of the two kinds, as Kubernetes requires). */
function attributesOf(spec: JsonObject): CheckAccessRequest['attributes'] {
  const resource = spec.resourceAttributes;
  const nonResource = spec.nonResourceAttributes;
  if (isObject(resource) && isObject(nonResource)) {
    throw HttpError.badRequest(
      'spec: Invalid value: resourceAttributes and nonResourceAttributes are mutually exclusive',
    );
  }
  if (isObject(resource)) {
    return {
      $case: 'resourceAttributes',
      value: {
        namespace: text(resource.namespace),
        verb: text(resource.verb),
        group: text(resource.group),
        version: text(resource.version),
        resource: text(resource.resource),
        subresource: text(resource.subresource),
        name: text(resource.name),
      },
    };
  }
  if (isObject(nonResource)) {
    return {
      $case: 'nonResourceAttributes',
      value: { path: text(nonResource.path), verb: text(nonResource.verb) },
    };
  }
  return undefined;
}

function created(review: JsonObject, kind: string, apiVersion: string, spec: Json, status: JsonObject) {
  const meta = isObject(review.metadata) ? review.metadata : {};
  return {
    status: 201,
    body: {
      kind,
      apiVersion,
      metadata: { ...meta, creationTimestamp: null },
      spec,
      status,
    },
  };
}

async function authorizeReview(req: RestRequest, services: RestServices, info: KindInfo): Promise<void> {
  await services.authorize(req, { verb: 'create', info, namespace: '', name: '' });
}

function accessStatus(decision: { allowed: boolean; reason: string; evaluationError: string }): JsonObject {
  return {
    allowed: decision.allowed,
    ...(decision.reason ? { reason: decision.reason } : {}),
    ...(decision.evaluationError ? { evaluationError: decision.evaluationError } : {}),
  };
}

function rulesJson(rules: readonly PolicyRule[], nonResource: boolean): JsonObject[] {
  return rules.map(
    (r): JsonObject =>
      nonResource
        ? { verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceUrls] }
        : {
            verbs: [...r.verbs],
            apiGroups: [...r.apiGroups],
            resources: [...r.resources],
            ...(r.resourceNames.length > 0 ? { resourceNames: [...r.resourceNames] } : {}),
          },
  );
}

function userJson(user: UserInfo): JsonObject {
  const extra: JsonObject = {};
  for (const [key, values] of Object.entries(user.extra ?? {})) extra[key] = [...values];
  return {
    username: user.name,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: [...user.groups],
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

const selfSubjectAccessReviewResource: RestVirtualResource = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'selfsubjectaccessreviews',
  kind: 'SelfSubjectAccessReview',
  namespaced: false,
  verbs: ['create'],
  requestContentTypes: [protobufMediaType],
  async handler(req, _res, services) {
    const review = await reviewOf(req, 'SelfSubjectAccessReview', authorizationVersion);
    await authorizeReview(req, services, selfSubjectAccessReviews);
    const spec = isObject(review.spec) ? review.spec : {};
    const decision = await reviewAccess(services.authorizer, req.user, attributesOf(spec));
    return created(review, 'SelfSubjectAccessReview', authorizationVersion, spec, accessStatus(decision));
  },
};

const subjectAccessReviewResource: RestVirtualResource = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'subjectaccessreviews',
  kind: 'SubjectAccessReview',
  namespaced: false,
  verbs: ['create'],
  async handler(req, _res, services) {
    const review = await reviewOf(req, 'SubjectAccessReview', authorizationVersion);
    await authorizeReview(req, services, subjectAccessReviews);
    const spec = isObject(review.spec) ? review.spec : {};
    const decision = await reviewAccess(services.authorizer, subjectOf(spec), attributesOf(spec));
    return created(review, 'SubjectAccessReview', authorizationVersion, spec, accessStatus(decision));
  },
};

/** The user a SubjectAccessReview asks about; one of user or groups is required. */
function subjectOf(spec: JsonObject): UserInfo {
  const groups = Array.isArray(spec.groups) ? spec.groups.map(text) : [];
  if (text(spec.user) === '' && groups.length === 0) {
    throw HttpError.badRequest(
      'spec.user: Invalid value: "": at least one of user or group must be specified',
    );
  }
  const extra: Record<string, readonly string[]> = {};
  if (isObject(spec.extra)) {
    for (const [k, v] of Object.entries(spec.extra)) extra[k] = Array.isArray(v) ? v.map(text) : [];
  }
  return { name: text(spec.user), uid: text(spec.uid), groups, extra };
}

/** LocalSubjectAccessReview as RBAC names it: namespaced, so a namespace admin may ask within theirs. */
const localSubjectAccessReviews: KindInfo = {
  ...subjectAccessReviews,
  kind: 'LocalSubjectAccessReview',
  resource: 'localsubjectaccessreviews',
  namespaced: true,
};

/**
 * A SubjectAccessReview confined to the namespace of its path: only resource attributes,
 * and their namespace must be that namespace, as Kubernetes requires.
 */
const localSubjectAccessReviewResource: RestVirtualResource = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'localsubjectaccessreviews',
  kind: 'LocalSubjectAccessReview',
  namespaced: true,
  verbs: ['create'],
  requestContentTypes: [protobufMediaType],
  async handler(req, _res, services) {
    const review = await reviewOf(req, 'LocalSubjectAccessReview', authorizationVersion);
    const namespace = req.namespace;
    if (namespace === '') {
      throw HttpError.badRequest(
        'namespace is required on this type: post it to /apis/authorization.k8s.io/v1/namespaces/<namespace>/localsubjectaccessreviews',
      );
    }
    await services.authorize(req, { verb: 'create', info: localSubjectAccessReviews, namespace, name: '' });
    const meta = isObject(review.metadata) ? review.metadata : {};
    if (text(meta.namespace) !== '' && text(meta.namespace) !== namespace) {
      throw HttpError.badRequest(
        `the namespace of the provided object (${text(meta.namespace)}) does not match the namespace sent on the request (${namespace})`,
      );
    }
    const spec = isObject(review.spec) ? review.spec : {};
    if (isObject(spec.nonResourceAttributes)) {
      throw HttpError.badRequest(
        'spec.nonResourceAttributes: Invalid value: disallowed on this kind of request',
      );
    }
    const resource = spec.resourceAttributes;
    if (!isObject(resource)) {
      throw HttpError.badRequest(
        'spec.resourceAttributes: Required value: the attributes of the access to review',
      );
    }
    if (text(resource.namespace) !== namespace) {
      throw HttpError.badRequest(
        `spec.resourceAttributes.namespace: Invalid value: "${text(resource.namespace)}": must match the namespace of the request (${namespace})`,
      );
    }
    const decision = await reviewAccess(services.authorizer, subjectOf(spec), attributesOf(spec));
    const answer = created(
      review,
      'LocalSubjectAccessReview',
      authorizationVersion,
      spec,
      accessStatus(decision),
    );
    return { ...answer, body: { ...answer.body, metadata: { ...answer.body.metadata, namespace } } };
  },
};

const selfSubjectRulesReviewResource: RestVirtualResource = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'selfsubjectrulesreviews',
  kind: 'SelfSubjectRulesReview',
  namespaced: false,
  verbs: ['create'],
  requestContentTypes: [protobufMediaType],
  async handler(req, _res, services) {
    const review = await reviewOf(req, 'SelfSubjectRulesReview', authorizationVersion);
    await authorizeReview(req, services, selfSubjectRulesReviews);
    const spec = isObject(review.spec) ? review.spec : {};
    const rules = await reviewRules(services.ruleResolver, req.user, text(spec.namespace));
    return created(review, 'SelfSubjectRulesReview', authorizationVersion, spec, {
      resourceRules: rulesJson(rules.resourceRules, false),
      nonResourceRules: rulesJson(rules.nonResourceRules, true),
      incomplete: rules.incomplete,
      ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
    });
  },
};

const selfSubjectReviewResource: RestVirtualResource = {
  group: 'authentication.k8s.io',
  version: 'v1',
  resource: 'selfsubjectreviews',
  kind: 'SelfSubjectReview',
  namespaced: false,
  verbs: ['create'],
  requestContentTypes: [protobufMediaType],
  async handler(req, _res, services) {
    const review = await reviewOf(req, 'SelfSubjectReview', authenticationVersion);
    await authorizeReview(req, services, selfSubjectReviews);
    const { body } = created(review, 'SelfSubjectReview', authenticationVersion, null, {
      userInfo: userJson(req.user),
    });
    const { spec: _spec, ...withoutSpec } = body;
    return { status: 201, body: withoutSpec };
  },
};

export const accessReviewResources: readonly RestVirtualResource[] = [
  selfSubjectAccessReviewResource,
  subjectAccessReviewResource,
  localSubjectAccessReviewResource,
  selfSubjectRulesReviewResource,
  selfSubjectReviewResource,
];
