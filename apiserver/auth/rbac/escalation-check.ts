/**
 * Kubernetes' RBAC escalation rules, checked on every create and update of a Role,
 * ClusterRole, RoleBinding or ClusterRoleBinding (pkg/registry/rbac/*\/policybased):
 *
 * - a Role or ClusterRole may only hold rules its author already holds where it applies
 *   (the Role's namespace; cluster-wide for a ClusterRole), unless the author may
 *   `escalate` roles/clusterroles; an aggregationRule can gather anything, so it takes
 *   every permission there is;
 * - a binding may only grant a role whose rules its author holds where the binding
 *   applies, unless the author may `bind` that role (by name, in the binding's namespace).
 *
 * Members of `system:masters` (which includes the apiserver's own bootstrap writes) are
 * exempt, as are updates that touch only ownerReferences and finalizers, which the
 * garbage collector must be able to make. Without this check, permission to create
 * bindings would be permission to become cluster-admin.
 */
import { ApiError } from '../../../sdk/errors.js';
import type { PolicyRule, RoleRef } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import { type KindObject, typesOf } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../../admission/types.js';
import type { RequestContext } from '../../registry/strategy.js';
import type { Authorizer, UserInfo } from '../types.js';
import { describeRule, fullAuthority, uncoveredRules } from './policy-comparator.js';
import { SUPERUSER_GROUP } from './rbac-authorizer.js';
import type { RuleResolver } from './rule-resolver.js';

const rbacGroup = 'rbac.authorization.k8s.io';
/** Missing rules listed in a denial; the rest are counted. */
const maxListedRules = 20;

export interface EscalationCheckDeps {
  /** The apiserver's authorizer, asked for the `escalate` and `bind` verbs. */
  readonly authorizer: Authorizer;
  readonly resolver: RuleResolver;
}

interface RoleLike extends KindObject {
  rules: PolicyRule[];
  aggregationRule?: unknown;
}

interface BindingLike extends KindObject {
  roleRef?: RoleRef | undefined;
}

export function rbacEscalationCheck(deps: EscalationCheckDeps): AdmissionPlugin {
  const allowed = async (ctx: RequestContext, verb: string, resource: string, ns: string, name: string) =>
    (
      await deps.authorizer.authorize({
        user: userOf(ctx),
        verb,
        apiGroup: rbacGroup,
        resource,
        subresource: '',
        namespace: ns,
        name,
      })
    ).allowed;

  /** Throws PERMISSION_DENIED unless the user holds every rule of `wanted` in `namespace`. */
  const confirmNoEscalation = async (
    attrs: AdmissionAttributes,
    namespace: string,
    wanted: readonly PolicyRule[],
    message?: string,
  ) => {
    const held = await deps.resolver.rulesFor(userOf(attrs.ctx), namespace);
    const missing = uncoveredRules(held.rules, wanted);
    if (missing.length === 0) return;
    throw forbidden(attrs, message ?? escalationMessage(attrs.ctx, missing, held.errors));
  };

  return {
    name: 'RBACEscalation',
    async validate(attrs) {
      const { info, object, ctx } = attrs;
      if (info.apiGroup !== rbacGroup || attrs.subresource !== '' || object === undefined) return;
      if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return;
      if (ctx.groups.includes(SUPERUSER_GROUP)) return;
      if (attrs.oldObject && onlyGcFieldsChanged(info, object, attrs.oldObject)) return;

      switch (info.kind) {
        case 'Role':
        case 'ClusterRole': {
          if (await allowed(ctx, 'escalate', info.resource, attrs.namespace, attrs.name)) return;
          const role = object as RoleLike;
          await confirmNoEscalation(attrs, attrs.namespace, role.rules);
          if (info.kind === 'ClusterRole' && role.aggregationRule) {
            await confirmNoEscalation(
              attrs,
              '',
              fullAuthority,
              `user "${ctx.user}" must have cluster-admin privileges to use the aggregationRule`,
            );
          }
          return;
        }
        case 'RoleBinding':
        case 'ClusterRoleBinding': {
          const ref = (object as BindingLike).roleRef;
          if (!ref) return; // validation has refused it already
          const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
          if (await allowed(ctx, 'bind', roleResource, attrs.namespace, ref.name)) return;
          const rules = await deps.resolver.roleReferenceRules(ref, attrs.namespace);
          if (rules === undefined) {
            throw ApiError.notFound(`${roleResource}.${rbacGroup} "${ref.name}" not found`, {
              name: ref.name,
              group: rbacGroup,
              kind: ref.kind,
            });
          }
          await confirmNoEscalation(attrs, attrs.namespace, rules);
          return;
        }
      }
    },
  };
}

function userOf(ctx: RequestContext): UserInfo {
  return { name: ctx.user, uid: '', groups: ctx.groups };
}

function forbidden(attrs: AdmissionAttributes, why: string): ApiError {
  return ApiError.forbidden(`${attrs.info.resource}.${rbacGroup} "${attrs.name}" is forbidden: ${why}`, {
    name: attrs.name,
    group: rbacGroup,
    kind: attrs.info.kind,
  });
}

/** Kubernetes' wording, with the missing rules compacted (one line per resource, its verbs together). */
function escalationMessage(ctx: RequestContext, missing: PolicyRule[], errors: readonly string[]): string {
  const compact = compactRules(missing);
  const listed = compact.slice(0, maxListedRules).map(describeRule);
  if (compact.length > maxListedRules) listed.push(`... and ${compact.length - maxListedRules} more`);
  const groups = ctx.groups.map((g) => JSON.stringify(g)).join(' ');
  let msg = `user "${ctx.user}" (groups=[${groups}]) is attempting to grant RBAC permissions not currently held:\n${listed.join('\n')}`;
  if (errors.length > 0) msg += `; resolution errors: [${errors.slice(0, 5).join('; ')}]`;
  return msg;
}

/** Atomic rules that differ only in their verb, merged into one rule. */
function compactRules(atoms: readonly PolicyRule[]): PolicyRule[] {
  const byTarget = new Map<string, PolicyRule>();
  for (const a of atoms) {
    const key = JSON.stringify([a.apiGroups, a.resources, a.resourceNames, a.nonResourceUrls]);
    const seen = byTarget.get(key);
    if (!seen) byTarget.set(key, { ...a, verbs: [...a.verbs] });
    else for (const v of a.verbs) if (!seen.verbs.includes(v)) seen.verbs.push(v);
  }
  return [...byTarget.values()];
}

/**
 * Whether `obj` differs from `old` in nothing but ownerReferences and finalizers (and the
 * managedFields every write records, as Kubernetes ignores them here too).
 */
function onlyGcFieldsChanged(info: KindInfo, obj: KindObject, old: KindObject): boolean {
  const fns = typesOf(info).message;
  const copy = fns.decode(fns.encode(obj).finish());
  if (copy.metadata && old.metadata) {
    copy.metadata.ownerReferences = old.metadata.ownerReferences;
    copy.metadata.finalizers = old.metadata.finalizers;
    copy.metadata.managedFields = old.metadata.managedFields;
  }
  return Buffer.from(fns.encode(copy).finish()).equals(Buffer.from(fns.encode(old).finish()));
}
