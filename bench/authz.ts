/**
 * `npm run bench:authz`: RBAC decisions per second with a large policy (1,000 Roles and
 * 10,000 RoleBindings over 100 namespaces, plus the bootstrap ClusterRoles) beside the
 * same checks against a small one (10 Roles), in one run, and beside the naive Casbin
 * layout (one policy row per rule in one enforcer) that motivates the design.
 *
 *   cached     the RBAC authorizer as the apiserver runs it: a working set of distinct
 *              requests asked again and again (the decision cache answers repeats)
 *   uncached   every decision made by Casbin (cache bypassed): the cost of a first ask
 *
 * Loops are bounded in time; nothing touches the network.
 */
import { performance } from 'node:perf_hooks';
import { newEnforcer, newModelFromString } from 'casbin';
import {
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
} from '../apiserver/auth/rbac/bootstrap-policy.js';
import { RbacAuthorizer } from '../apiserver/auth/rbac/rbac-authorizer.js';
import { RbacPolicy } from '../apiserver/auth/rbac/rbac-policy.js';
import type { RequestAttributes, UserInfo } from '../apiserver/auth/types.js';
import type { PolicyRule } from '../sdk/gen/wheelhouse/rbac/v1/policy.js';

const rbac = 'rbac.authorization.k8s.io';
const TARGET = 20_000;
const MEASURE_MS = 1_500;

interface Shape {
  readonly label: string;
  readonly namespaces: number;
  readonly rolesPerNamespace: number;
  readonly bindingsPerNamespace: number;
}

const shapes: Shape[] = [
  { label: '10 Roles, 100 RoleBindings', namespaces: 1, rolesPerNamespace: 10, bindingsPerNamespace: 100 },
  {
    label: '1,000 Roles, 10,000 RoleBindings',
    namespaces: 100,
    rolesPerNamespace: 10,
    bindingsPerNamespace: 100,
  },
];

/** Role `r` of a namespace: three rules on a resource of its own choosing, as team roles look. */
function rulesOf(r: number): PolicyRule[] {
  const resources = ['pods', 'configmaps', 'secrets', 'services', 'events'];
  const res = resources[r % resources.length] ?? 'pods';
  const rule = (verbs: string[], apiGroups: string[], rs: string[], names: string[] = []): PolicyRule => ({
    verbs,
    apiGroups,
    resources: rs,
    resourceNames: names,
    nonResourceUrls: [],
  });
  return [
    rule(['get', 'list', 'watch'], [''], [res, `${res}/status`]),
    rule(['create', 'update', 'patch', 'delete'], ['apps'], ['deployments', 'deployments/scale']),
    rule(['get', 'update'], [''], ['configmaps'], [`cfg-${r}`]),
  ];
}

async function buildPolicy(shape: Shape): Promise<{ policy: RbacPolicy; ms: number }> {
  const start = performance.now();
  const policy = new RbacPolicy();
  for (const [name, rules] of Object.entries(bootstrapClusterRoles)) void policy.setClusterRole(name, rules);
  for (const [name, { role, subjects }] of Object.entries(bootstrapClusterRoleBindings)) {
    void policy.setBinding({
      kind: 'ClusterRoleBinding',
      namespace: '',
      name,
      subjects,
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
    });
  }
  for (let n = 0; n < shape.namespaces; n++) {
    const ns = `team-${n}`;
    for (let r = 0; r < shape.rolesPerNamespace; r++) void policy.setRole(ns, `role-${r}`, rulesOf(r));
    for (let b = 0; b < shape.bindingsPerNamespace; b++) {
      void policy.setBinding({
        kind: 'RoleBinding',
        namespace: ns,
        name: `binding-${b}`,
        subjects: [{ kind: 'User', apiGroup: rbac, name: `user-${n}-${b}`, namespace: '' }],
        roleRef: { apiGroup: rbac, kind: 'Role', name: `role-${b % shape.rolesPerNamespace}` },
      });
    }
  }
  await policy.settled();
  return { policy, ms: performance.now() - start };
}

/** A deterministic mix of allowed and denied requests, spread over every namespace and user. */
function requests(shape: Shape, count: number): RequestAttributes[] {
  const verbs = ['get', 'list', 'watch', 'update', 'delete', 'create'];
  const resources: [string, string, string][] = [
    ['', 'pods', ''],
    ['', 'pods', 'status'],
    ['', 'configmaps', ''],
    ['', 'secrets', ''],
    ['apps', 'deployments', ''],
    ['apps', 'deployments', 'scale'],
  ];
  const out: RequestAttributes[] = [];
  for (let i = 0; i < count; i++) {
    const n = (i * 7) % shape.namespaces;
    const b = (i * 13) % shape.bindingsPerNamespace;
    const user: UserInfo = { name: `user-${n}-${b}`, uid: '', groups: ['system:authenticated'] };
    const [apiGroup, resource, subresource] = resources[i % resources.length] ?? ['', 'pods', ''];
    const verb = verbs[(i >> 3) % verbs.length] ?? 'get';
    const name = verb === 'list' || verb === 'watch' || verb === 'create' ? '' : `obj-${i % 50}`;
    // Every 5th request goes to a namespace the user has no binding in.
    const namespace = i % 5 === 4 ? `team-${(n + 1) % Math.max(2, shape.namespaces)}` : `team-${n}`;
    out.push({ user, verb, apiGroup, resource, subresource, namespace, name });
  }
  return out;
}

function measure(fn: (i: number) => boolean): { perSecond: number; allowedShare: number } {
  let i = 0;
  let allowed = 0;
  const start = performance.now();
  let now = start;
  while (now - start < MEASURE_MS) {
    for (let k = 0; k < 256; k++, i++) if (fn(i)) allowed++;
    now = performance.now();
  }
  return { perSecond: (i * 1000) / (now - start), allowedShare: allowed / i };
}

/** The layout the issue warns about: one Casbin row per (role, resource, verb) in one enforcer. */
async function naive(shape: Shape, reqs: RequestAttributes[]): Promise<{ rows: number; perSecond: number }> {
  const enforcer = await newEnforcer(
    newModelFromString(`
[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, dom, obj, act
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
`),
  );
  const rows: string[][] = [];
  for (let n = 0; n < shape.namespaces; n++) {
    for (let r = 0; r < shape.rolesPerNamespace; r++) {
      for (const rule of rulesOf(r)) {
        for (const res of rule.resources)
          for (const v of rule.verbs) rows.push([`role-${r}`, `team-${n}`, res, v]);
      }
    }
  }
  await enforcer.addPolicies(rows);
  const links: string[][] = [];
  for (let n = 0; n < shape.namespaces; n++) {
    for (let b = 0; b < shape.bindingsPerNamespace; b++) {
      links.push([`user-${n}-${b}`, `role-${b % shape.rolesPerNamespace}`, `team-${n}`]);
    }
  }
  await enforcer.addGroupingPolicies(links);
  const { perSecond } = measure((i) => {
    const a = reqs[i % reqs.length]!;
    const obj = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return enforcer.enforceSync(a.user.name, a.namespace, obj, a.verb);
  });
  return { rows: rows.length, perSecond };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  process.stdout.write(
    `RBAC authorization: decisions per second (${MEASURE_MS} ms per figure, one core)\n\n`,
  );
  const header = ['policy', 'shards', 'rows p/g', 'load ms', 'uncached/s', 'cached/s', 'allowed'];
  const rowsOut: string[][] = [];
  const cachedFigures: number[] = [];
  let naiveLine = '';
  for (const shape of shapes) {
    const { policy, ms } = await buildPolicy(shape);
    const stats = policy.stats();
    const reqs = requests(shape, 5_000);
    const authz = new RbacAuthorizer(policy);
    const uncached = measure((i) => {
      const a = reqs[i % reqs.length]!;
      return policy.decide(a.user, a, a.namespace).allowed;
    });
    const cached = measure((i) => authz.authorize(reqs[i % reqs.length]!).allowed);
    cachedFigures.push(cached.perSecond);
    rowsOut.push([
      shape.label,
      String(stats.shards),
      `${stats.policies}/${stats.groupings}`,
      fmt(ms),
      fmt(uncached.perSecond),
      fmt(cached.perSecond),
      `${Math.round(uncached.allowedShare * 100)}%`,
    ]);
    if (shape === shapes[shapes.length - 1]) {
      const n = await naive(shape, reqs);
      naiveLine = `naive layout, same policy (one enforcer, one Casbin row per rule: ${fmt(n.rows)} rows): ${fmt(n.perSecond)} decisions/s`;
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rowsOut.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`${line(header)}\n${rowsOut.map(line).join('\n')}\n\n${naiveLine}\n`);
  const large = cachedFigures[cachedFigures.length - 1] ?? 0;
  const small = cachedFigures[0] ?? 0;
  process.stdout.write(
    `\nlarge policy: ${fmt(large)} decisions/s cached (${Math.round((large / small) * 100)}% of the small policy's); target ≥ ${fmt(TARGET)}: ${large >= TARGET ? 'met' : 'MISSED'}\n`,
  );
}

await main();
