/**
 * The whole RBAC policy as Role, ClusterRole, RoleBinding and ClusterRoleBinding
 * objects describe it, kept as Casbin shards (policy-shard.ts) plus each role's
 * compiled rules. Objects come in one at a time (from watches); decisions read the
 * current state synchronously.
 *
 * Bindings become Casbin rows; a role's rules only its compiled matcher, so that
 * editing a Role changes no row. A binding that names a role that does not exist
 * grants nothing until the role appears, as in Kubernetes.
 */
import type { PolicyRule, RoleRef, Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import type { UserInfo } from '../types.js';
import {
  CLUSTER_DOMAIN,
  clusterRoleId,
  decodeObject,
  objectOf,
  roleId,
  subjectId,
  subjectsOf,
  urlObjectOf,
} from './casbin-model.js';
import { CompiledRules, type ResourceRequest } from './compiled-rules.js';
import { PolicyShard } from './policy-shard.js';

export interface BindingSpec {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  /** '' for ClusterRoleBindings. */
  readonly namespace: string;
  readonly name: string;
  readonly subjects: readonly Subject[];
  readonly roleRef: RoleRef | undefined;
}

export interface PolicyDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

interface Grant {
  readonly domain: string;
  readonly role: string;
  readonly subjects: readonly string[];
}

const MAX_NAME_SENSITIVITY_ENTRIES = 10_000;

export class RbacPolicy {
  private readonly rules = new Map<string, CompiledRules>();
  private readonly shards = new Map<string, PolicyShard>();
  private readonly grants = new Map<string, Grant>();
  /** `domain\0subject\0role` → the bindings behind that link, for the reason of a decision. */
  private readonly bindingNames = new Map<string, Set<string>>();
  private queue: Promise<void> = Promise.resolve();
  private version = 0;
  private readonly listeners = new Set<() => void>();
  /** namesMatter() by `verb\0group\0resource\0subresource`, until the next change. */
  private readonly nameSensitive = new Map<string, boolean>();
  /** Parsed form of the object of the enforce call in progress (Casbin passes it to `rules` once per row). */
  private lastObj = '';
  private lastDecoded = decodeObject('');

  /** Bumped by every change: decisions made before it may be stale. */
  get generation(): number {
    return this.version;
  }

  /** Called after every change is in effect (the decision cache clears itself on it). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setRole(namespace: string, name: string, rules: readonly PolicyRule[]): Promise<void> {
    return this.change(async () => {
      this.rules.set(roleId(namespace, name), new CompiledRules(rules));
    });
  }

  deleteRole(namespace: string, name: string): Promise<void> {
    return this.change(async () => {
      this.rules.delete(roleId(namespace, name));
    });
  }

  setClusterRole(name: string, rules: readonly PolicyRule[]): Promise<void> {
    return this.change(async () => {
      this.rules.set(clusterRoleId(name), new CompiledRules(rules));
    });
  }

  deleteClusterRole(name: string): Promise<void> {
    return this.change(async () => {
      this.rules.delete(clusterRoleId(name));
    });
  }

  setBinding(binding: BindingSpec): Promise<void> {
    return this.change(async () => {
      const key = bindingKey(binding.kind, binding.namespace, binding.name);
      const next = grantOf(binding);
      const previous = this.grants.get(key);
      if (previous) await this.revoke(key, previous);
      if (next) {
        this.grants.set(key, next);
        await this.grant(key, next);
      } else this.grants.delete(key);
    });
  }

  deleteBinding(kind: BindingSpec['kind'], namespace: string, name: string): Promise<void> {
    return this.change(async () => {
      const key = bindingKey(kind, namespace, name);
      const previous = this.grants.get(key);
      if (!previous) return;
      this.grants.delete(key);
      await this.revoke(key, previous);
    });
  }

  /** Resolves once every change made so far is in effect. */
  settled(): Promise<void> {
    return this.queue;
  }

  /**
   * Decides a resource request: ClusterRoleBindings apply everywhere; RoleBindings only
   * in their namespace, so a request with no namespace (cluster-scoped, or across all
   * namespaces) asks the cluster domain alone.
   */
  decide(user: UserInfo, req: ResourceRequest, namespace: string): PolicyDecision {
    return this.decideObject(user, objectOf(req), req.verb, namespace);
  }

  /**
   * Whether any role's rules look at the object's name for requests with this verb,
   * group, resource and subresource (a rule with resourceNames matches them). When none
   * does, the decision is the same for every name, and the decision cache keys it
   * without one: keyed by name, the cache would hold an entry for every object the
   * clients ever touched (every Pod and Event), up to its bound. Answers are kept until
   * the policy changes; their number is bounded by the API's verbs and resources.
   */
  namesMatter(req: Omit<ResourceRequest, 'name'>): boolean {
    const key = `${req.verb}\0${req.apiGroup}\0${req.resource}\0${req.subresource}`;
    let known = this.nameSensitive.get(key);
    if (known === undefined) {
      known = false;
      for (const compiled of this.rules.values()) {
        if (compiled.namesMatter(req)) {
          known = true;
          break;
        }
      }
      // Resources come from request paths too: a bound against paths that name no resource.
      if (this.nameSensitive.size >= MAX_NAME_SENSITIVITY_ENTRIES) this.nameSensitive.clear();
      this.nameSensitive.set(key, known);
    }
    return known;
  }

  /** Decides a request to a non-resource endpoint (only ClusterRoleBindings grant those). */
  decideNonResource(user: UserInfo, verb: string, path: string): PolicyDecision {
    if (path.includes('|')) return { allowed: false, reason: 'invalid path' };
    return this.decideObject(user, urlObjectOf(path), verb, '');
  }

  /** Shards and rows, for tests and the benchmark. */
  stats(): { shards: number; policies: number; groupings: number; roles: number } {
    let policies = 0;
    let groupings = 0;
    for (const shard of this.shards.values()) {
      const rows = shard.rowCount;
      policies += rows.policies;
      groupings += rows.groupings;
    }
    return { shards: this.shards.size, policies, groupings, roles: this.rules.size };
  }

  private decideObject(user: UserInfo, obj: string, verb: string, namespace: string): PolicyDecision {
    const subjects = subjectsOf(user);
    const domains = namespace === '' ? [CLUSTER_DOMAIN] : [CLUSTER_DOMAIN, namespace];
    for (const domain of domains) {
      const shard = this.shards.get(domain);
      if (!shard) continue;
      for (const subject of subjects) {
        if (!shard.hasSubject(subject)) continue;
        const match = shard.enforce(subject, obj, verb);
        if (match) return { allowed: true, reason: this.reasonFor(domain, match.subject, match.role) };
      }
    }
    return { allowed: false, reason: '' };
  }

  /** The `rules(p.sub, r.obj, r.act)` function of the Casbin matcher. */
  private readonly rulesCheck = (role: string, obj: string, act: string): boolean => {
    const compiled = this.rules.get(role);
    if (!compiled) return false;
    if (obj !== this.lastObj) {
      this.lastObj = obj;
      this.lastDecoded = decodeObject(obj);
    }
    const o = this.lastDecoded;
    if (o.kind === 'url') return compiled.allowsNonResource(act, o.path);
    return compiled.allows({
      verb: act,
      apiGroup: o.apiGroup,
      resource: o.resource,
      subresource: o.subresource,
      name: o.name,
    });
  };

  private reasonFor(domain: string, subject: string, role: string): string {
    const names = [...(this.bindingNames.get(`${domain}\0${subject}\0${role}`) ?? [])];
    const roleText = role.startsWith('clusterrole:')
      ? `ClusterRole "${role.slice('clusterrole:'.length)}"`
      : `Role "${role.slice(role.indexOf('/') + 1)}"`;
    const bindingText = domain === CLUSTER_DOMAIN ? 'ClusterRoleBinding' : 'RoleBinding';
    const who = subject.startsWith('group:') ? `Group "${subject.slice(6)}"` : `User "${subject.slice(5)}"`;
    return `allowed by ${bindingText} "${names[0] ?? ''}" of ${roleText} to ${who}`;
  }

  private async grant(key: string, grant: Grant): Promise<void> {
    let shard = this.shards.get(grant.domain);
    if (!shard) {
      shard = await PolicyShard.create(grant.domain, this.rulesCheck);
      this.shards.set(grant.domain, shard);
    }
    const name = key.slice(key.lastIndexOf('/') + 1);
    for (const subject of grant.subjects) {
      await shard.grant(subject, grant.role);
      const link = `${grant.domain}\0${subject}\0${grant.role}`;
      const names = this.bindingNames.get(link) ?? new Set<string>();
      this.bindingNames.set(link, names);
      names.add(name);
    }
  }

  private async revoke(key: string, grant: Grant): Promise<void> {
    const shard = this.shards.get(grant.domain);
    if (!shard) return;
    const name = key.slice(key.lastIndexOf('/') + 1);
    for (const subject of grant.subjects) {
      await shard.revoke(subject, grant.role);
      const link = `${grant.domain}\0${subject}\0${grant.role}`;
      const names = this.bindingNames.get(link);
      names?.delete(name);
      if (names?.size === 0) this.bindingNames.delete(link);
    }
    if (shard.empty) this.shards.delete(grant.domain);
  }

  /** Changes run one at a time, in order; each takes effect (and is announced) as a whole. */
  private change(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn).finally(() => {
      this.version++;
      this.nameSensitive.clear();
      for (const listener of this.listeners) listener();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function bindingKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function grantOf(binding: BindingSpec): Grant | undefined {
  const ref = binding.roleRef;
  if (!ref || ref.name === '') return undefined;
  const cluster = binding.kind === 'ClusterRoleBinding';
  // A ClusterRoleBinding may only grant a ClusterRole; validation enforces it, and this keeps it true.
  if (cluster && ref.kind !== 'ClusterRole') return undefined;
  const role = ref.kind === 'Role' ? roleId(binding.namespace, ref.name) : clusterRoleId(ref.name);
  const subjects = [
    ...new Set(binding.subjects.map((s) => subjectId(s, binding.namespace)).filter((s) => s !== undefined)),
  ];
  if (subjects.length === 0) return undefined;
  return { domain: cluster ? CLUSTER_DOMAIN : binding.namespace, role, subjects };
}
