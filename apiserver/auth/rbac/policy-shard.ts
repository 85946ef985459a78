/**
 * The policy of one domain (a namespace, or `*` for ClusterRoleBindings) in a Casbin
 * enforcer of its own. Casbin evaluates the matcher for every policy row, so a decision
 * should only pay for the roles that can matter: those granted in the namespace it is
 * about, and those granted cluster-wide. Sharding by domain keeps each enforcer to the
 * roles bound in one namespace, whatever the size of the whole policy.
 *
 * Rows are reference-counted: several bindings may grant the same role, or the same
 * subject the same role, and a row goes away with the last binding that needs it.
 */
import { type Enforcer, newEnforcer, newModelFromString } from 'casbin';
import { casbinModelText } from './casbin-model.js';

/** The rules check a shard's matcher calls: does `role` grant verb `act` on `obj`? */
export type RulesCheck = (role: string, obj: string, act: string) => boolean;

export interface ShardMatch {
  readonly subject: string;
  readonly role: string;
}

export class PolicyShard {
  /** role → bindings granting it here (the `p` rows). */
  private readonly roles = new Map<string, number>();
  /** `subject\0role` → bindings linking them (the `g` rows). */
  private readonly links = new Map<string, number>();
  /** subject → links it has here: a subject with none needs no enforce call. */
  private readonly subjects = new Map<string, number>();

  private constructor(
    readonly domain: string,
    private readonly enforcer: Enforcer,
  ) {}

  static async create(domain: string, rules: RulesCheck): Promise<PolicyShard> {
    const enforcer = await newEnforcer(newModelFromString(casbinModelText));
    await enforcer.addFunction('rules', (role: unknown, obj: unknown, act: unknown) =>
      rules(String(role), String(obj), String(act)),
    );
    return new PolicyShard(domain, enforcer);
  }

  get empty(): boolean {
    return this.links.size === 0;
  }

  /** Policy rows held (for tests and benchmarks). */
  get rowCount(): { policies: number; groupings: number } {
    return { policies: this.roles.size, groupings: this.links.size };
  }

  hasSubject(subject: string): boolean {
    return this.subjects.has(subject);
  }

  async grant(subject: string, role: string): Promise<void> {
    const link = `${subject}\0${role}`;
    const links = this.links.get(link) ?? 0;
    this.links.set(link, links + 1);
    if (links === 0) {
      this.subjects.set(subject, (this.subjects.get(subject) ?? 0) + 1);
      await this.enforcer.addGroupingPolicy(subject, role, this.domain);
    }
    const grants = this.roles.get(role) ?? 0;
    this.roles.set(role, grants + 1);
    if (grants === 0) await this.enforcer.addPolicy(role, this.domain);
  }

  async revoke(subject: string, role: string): Promise<void> {
    const link = `${subject}\0${role}`;
    const links = this.links.get(link);
    if (links === undefined) return;
    if (links > 1) this.links.set(link, links - 1);
    else {
      this.links.delete(link);
      const n = this.subjects.get(subject) ?? 1;
      if (n > 1) this.subjects.set(subject, n - 1);
      else this.subjects.delete(subject);
      await this.enforcer.removeGroupingPolicy(subject, role, this.domain);
    }
    const grants = this.roles.get(role) ?? 1;
    if (grants > 1) this.roles.set(role, grants - 1);
    else {
      this.roles.delete(role);
      await this.enforcer.removePolicy(role, this.domain);
    }
  }

  /** The role through which `subject` may do `act` on `obj` here, if any: Casbin's decision and its explanation. */
  enforce(subject: string, obj: string, act: string): ShardMatch | undefined {
    const [allowed, row] = this.enforcer.enforceExSync(subject, this.domain, obj, act);
    if (!allowed) return undefined;
    return { subject, role: row[0] ?? '' };
  }
}
