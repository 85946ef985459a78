/**
 * Whether the cluster has converged on what a churn's acknowledged writes declared: every
 * Deployment at its acknowledged replicas with its acknowledged template and all of its
 * pods Running on nodes that exist, nothing orphaned or duplicated (bench/workload.ts
 * `account`), every acknowledged ConfigMap value present, and each quota charging exactly
 * what exists.
 */
import type { ConfigMap } from '../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { ResourceQuota } from '../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { Churn } from './churn.js';
import type { Plane } from './plane.js';
import { account, listAll } from './workload.js';

/** Waits until the cluster matches what the churn's acknowledged writes declared; the problems left if it does not. */
export async function converge(
  plane: Plane,
  churn: Churn,
  timeoutMs: number,
): Promise<{ ms: number; problems: string[] }> {
  const start = Date.now();
  let problems: string[] = [];
  for (;;) {
    try {
      const nodes = new Set((await listAll<Node>(plane.clients, 'Node')).map((n) => n.metadata?.name ?? ''));
      const result = await account(plane.clients, {
        running: true,
        expected: churn.deployments,
        uncertain: churn.uncertain,
        nodes,
      });
      problems = [...result.problems, ...(await configMapProblems(plane, churn))];
      if (problems.length === 0) return { ms: Date.now() - start, problems };
    } catch (err) {
      problems = [`the API did not answer: ${err instanceof Error ? err.message : String(err)}`];
    }
    if (Date.now() - start > timeoutMs) return { ms: Date.now() - start, problems };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function configMapProblems(plane: Plane, churn: Churn): Promise<string[]> {
  const problems: string[] = [];
  const all = await listAll<ConfigMap>(plane.clients, 'ConfigMap');
  const byKey = new Map(all.map((c) => [`${c.metadata?.namespace}/${c.metadata?.name}`, c]));
  for (const [key, value] of churn.configMaps) {
    if (churn.uncertain.has(key)) continue;
    const cm = byKey.get(key);
    if (!cm) problems.push(`ConfigMap ${key} was acknowledged but is gone`);
    else if (cm.data?.value !== value)
      problems.push(`ConfigMap ${key}: value ${cm.data?.value}, acknowledged ${value}`);
  }
  for (const key of byKey.keys())
    if (key.startsWith('churn-') && !churn.configMaps.has(key) && !churn.uncertain.has(key))
      problems.push(`ConfigMap ${key} is there though its deletion was acknowledged`);
  // Quota: what the apiserver charged must equal what exists.
  const quotas = await listAll<ResourceQuota>(plane.clients, 'ResourceQuota');
  for (const q of quotas) {
    const used = q.status?.used.configmaps;
    if (used === undefined) continue;
    const actual = all.filter((c) => c.metadata?.namespace === q.metadata?.namespace).length;
    if (Number(used) !== actual)
      problems.push(
        `ResourceQuota ${q.metadata?.namespace}/${q.metadata?.name}: configmaps used ${used}, ${actual} exist`,
      );
  }
  return problems.slice(0, 20);
}

/** The churn's namespaces, each with a quota on ConfigMaps, created before any ConfigMap so that the quota charges every one. */
export async function createQuotas(plane: Plane, namespaces = 3): Promise<void> {
  for (let i = 0; i < namespaces; i++) {
    const name = `churn-${i}`;
    await plane.clients
      .kind<Namespace>('Namespace')
      .create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    await plane.clients.kind<ResourceQuota>('ResourceQuota').create(
      ResourceQuota.fromPartial({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'configmaps', namespace: name },
        spec: { hard: { configmaps: '10000' } },
      }),
    );
  }
}
