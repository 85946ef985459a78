/**
 * What a run that did not converge prints about why: for each Deployment a problem
 * names, the Deployment, its ReplicaSets and their pods as the API has them now, the
 * controller manager's last log lines about them; and the controller manager's reconcile
 * errors, queue depths and retries.
 * Enough to tell a controller that is waiting (a backoff, a queue) from one that decided
 * wrongly, without rerunning a long soak.
 */
import type { Deployment } from '../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Plane } from './plane.js';

const MAX_DEPLOYMENTS = 3;
const LOG_LINES = 8;

/** The Deployments (`namespace/name`) that `problems` name, in order, without repeats. */
export function deploymentsNamed(problems: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const p of problems) {
    const m = /Deployment (\S+\/[^\s:]+)/.exec(p);
    if (m?.[1]) keys.add(m[1]);
  }
  return [...keys];
}

/** Lines describing why the Deployments that `problems` name are where they are. */
export async function diagnose(plane: Plane, problems: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const key of deploymentsNamed(problems).slice(0, MAX_DEPLOYMENTS)) {
    try {
      lines.push(...(await describeDeployment(plane, key)));
    } catch (err) {
      lines.push(`Deployment ${key}: could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return lines;
}

async function describeDeployment(plane: Plane, key: string): Promise<string[]> {
  const [namespace = '', name = ''] = key.split('/');
  const d = await plane.clients.kind<Deployment>('Deployment').get(namespace, name);
  const uid = d.metadata?.uid ?? '';
  const [rsPage, podPage] = await Promise.all([
    plane.clients.kind<ReplicaSet>('ReplicaSet').list(namespace, {}),
    plane.clients.kind<Pod>('Pod').list(namespace, {}),
  ]);
  const owned = rsPage.items.filter((rs) => rs.metadata?.ownerReferences.some((r) => r.uid === uid));
  const s = d.status;
  const lines = [
    `Deployment ${key}: generation ${d.metadata?.generation} observed ${s?.observedGeneration}; spec ${d.spec?.replicas} × ${d.spec?.template?.spec?.containers[0]?.image}; status replicas ${s?.replicas} updated ${s?.updatedReplicas} ready ${s?.readyReplicas} available ${s?.availableReplicas}; ${(s?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason}`).join(', ')}`,
  ];
  for (const rs of owned) {
    const rsUid = rs.metadata?.uid ?? '';
    const pods = podPage.items.filter((p) => p.metadata?.ownerReferences.some((r) => r.uid === rsUid));
    const phases = new Map<string, number>();
    for (const p of pods) {
      const state = p.metadata?.deletionTimestamp
        ? 'deleting'
        : p.spec?.nodeName
          ? (p.status?.phase ?? 'no phase')
          : 'unbound';
      phases.set(state, (phases.get(state) ?? 0) + 1);
    }
    const rss = rs.status;
    lines.push(
      `  ReplicaSet ${rs.metadata?.name} (revision ${rs.metadata?.annotations['deployment.kubernetes.io/revision']}, ${rs.spec?.template?.spec?.containers[0]?.image}): spec ${rs.spec?.replicas}, generation ${rs.metadata?.generation} observed ${rss?.observedGeneration}; status replicas ${rss?.replicas} ready ${rss?.readyReplicas} available ${rss?.availableReplicas}${rs.metadata?.deletionTimestamp ? '; deleting' : ''}; pods ${[...phases].map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`,
    );
  }
  const names = [key, ...owned.map((rs) => `${namespace}/${rs.metadata?.name}`)];
  const logged = plane.controllerManager
    .output()
    .split('\n')
    .filter((l) => names.some((n) => l.includes(`"${n}"`)));
  for (const l of logged.slice(-LOG_LINES)) lines.push(`  log: ${l.slice(0, 400)}`);
  return lines;
}

/** The controller manager's reconcile errors, queue depths and retries, from its metrics. */
export async function controllerManagerQueues(plane: Plane): Promise<string[]> {
  let text: string;
  try {
    text = await plane.controllerManagerMetrics();
  } catch (err) {
    return [`controller manager metrics: ${err instanceof Error ? err.message : String(err)}`];
  }
  const pick = (metric: string, label: string) => {
    const out: string[] = [];
    const re = new RegExp(`^${metric}\\{[^}]*${label}="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
    for (const m of text.matchAll(re)) if (Number(m[2]) > 0) out.push(`${m[1]} ${Number(m[2])}`);
    return out.join(', ') || 'none';
  };
  return [
    `controller manager reconcile errors: ${pick('controller_runtime_reconcile_errors_total', 'controller')}`,
    `controller manager queue depths: ${pick('workqueue_depth', 'name')}`,
    `controller manager retries: ${pick('workqueue_retries_total', 'name')}`,
  ];
}

/**
 * The controller manager's retried reconcile errors in what it last wrote, grouped by
 * controller and message (names and numbers masked), most frequent first.
 */
export function controllerManagerErrors(plane: Plane, top = 5): string[] {
  const counts = new Map<string, number>();
  for (const line of plane.controllerManager.output().split('\n')) {
    if (!line.includes('reconcile failed')) continue;
    let entry: { controller?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const message = (entry.err?.message ?? '')
      .replace(/"[^"]*"/g, '"…"')
      .replace(/\b[\w.-]*\d[\w.-]*\b/g, '#')
      .slice(0, 160);
    const key = `${entry.controller}: ${message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, n]) => `controller manager error ×${n}: ${k}`);
}
