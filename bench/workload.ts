/**
 * The objects and the checks the scale runs share: Deployments of small pods, rate-paced
 * and bounded-concurrency loops, and the accounting that says every pod is where it
 * should be (each Deployment at its replicas with the current template, nothing
 * duplicated, nothing orphaned).
 */
import type { Clientset } from '../sdk/client/typed-client.js';
import { Code } from '../sdk/errors.js';
import { Deployment } from '../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import type { KindObject } from '../sdk/kind-registry.js';

/** A Deployment of `replicas` pods that ask for little, so that 30 fit a simulated node many times over. */
export function benchDeployment(
  namespace: string,
  name: string,
  replicas: number,
  image: string,
): Deployment {
  return Deployment.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { bench: 'scale' } },
    spec: {
      replicas,
      revisionHistoryLimit: 2,
      selector: { matchLabels: { app: name } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: {
          maxSurge: { value: { $case: 'strVal', value: '25%' } },
          maxUnavailable: { value: { $case: 'strVal', value: '25%' } },
        },
      },
      template: {
        metadata: { labels: { app: name, bench: 'scale' } },
        spec: {
          terminationGracePeriodSeconds: '0',
          containers: [{ name: 'main', image, resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
        },
      },
    },
  });
}

/** Every object of a kind in every namespace, page by page. */
export async function listAll<T extends KindObject>(clients: Clientset, kind: string): Promise<T[]> {
  const client = clients.kind<T>(kind);
  const out: T[] = [];
  let token = '';
  do {
    const page = await readAgain(() => client.list('', { limit: '5000', continue: token }));
    out.push(...page.items);
    token = page.continue;
  } while (token !== '');
  return out;
}

/**
 * A read retried when the connection dropped under it (UNAVAILABLE): on a machine loaded
 * far past its cores a keepalive can time out while a large page is on its way, and a
 * read, unlike a write, is safe to ask again.
 */
async function readAgain<T>(read: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await read();
    } catch (err) {
      if (i >= attempts || (err as { code?: number }).code !== Code.UNAVAILABLE) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * i));
    }
  }
}

/** Runs `op(i)` for i < count with at most `concurrency` in flight; op errors are passed to `onError`. */
export async function forEachLimited(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
  onError: (err: unknown, i: number) => void,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        try {
          await op(i);
        } catch (err) {
          onError(err, i);
        }
      }
    }),
  );
}

/** Runs `op(i)` for i < count started at `perSecond`, at most `maxInFlight` at once. */
export async function paced(
  count: number,
  perSecond: number,
  maxInFlight: number,
  op: (i: number) => Promise<unknown>,
  onError: (err: unknown, i: number) => void,
): Promise<void> {
  const start = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const p: Promise<unknown> = op(i)
      .catch((err) => onError(err, i))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
}

/** What is wrong with the Deployments, their ReplicaSets and their pods; empty when all is right. */
export interface Accounting {
  readonly deployments: number;
  readonly pods: number;
  readonly problems: string[];
}

const ownerUid = (o: { metadata?: { ownerReferences: { uid: string; controller?: boolean }[] } }) =>
  o.metadata?.ownerReferences.find((r) => r.controller)?.uid;

/**
 * Checks, from lists: every Deployment observed at its generation with exactly `replicas`
 * pods, all of the current template (the pod-template-hash of its newest ReplicaSet) and,
 * when `running`, Running and Ready on a node; no pod or ReplicaSet whose owner is gone;
 * no two pods on one name. `expectedDeployments` names those that must exist
 * (acknowledged creates not since deleted), when known.
 */
export async function account(
  clients: Clientset,
  opts: {
    running: boolean;
    /** Deployments by `namespace/name` as acknowledged writes left them. */
    expected?: ReadonlyMap<string, { readonly replicas: number; readonly image: string }>;
    /** Keys whose last write went unanswered: left out of the comparison. */
    uncertain?: ReadonlySet<string>;
    nodes?: ReadonlySet<string>;
  },
): Promise<Accounting> {
  const [deployments, replicaSets, pods, jobs] = await Promise.all([
    listAll<Deployment>(clients, 'Deployment'),
    listAll<ReplicaSet>(clients, 'ReplicaSet'),
    listAll<Pod>(clients, 'Pod'),
    listAll<KindObject & { metadata?: { uid: string } }>(clients, 'Job'),
  ]);
  const jobUids = new Set(jobs.map((j) => j.metadata?.uid ?? ''));
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 20) problems.push(text);
    else if (problems.length === 20) problems.push('… and more');
  };
  const key = (o: { metadata?: { namespace: string; name: string } }) =>
    `${o.metadata?.namespace}/${o.metadata?.name}`;
  const byUid = new Map<string, Deployment>(deployments.map((d) => [d.metadata?.uid ?? '', d]));
  const rsByUid = new Map<string, ReplicaSet>(replicaSets.map((rs) => [rs.metadata?.uid ?? '', rs]));
  const podsOf = new Map<string, Pod[]>();
  const names = new Set<string>();
  for (const pod of pods) {
    if (names.has(key(pod))) problem(`pod ${key(pod)} is listed twice`);
    names.add(key(pod));
    if (pod.metadata?.deletionTimestamp) continue;
    if (opts.nodes && pod.spec?.nodeName && !opts.nodes.has(pod.spec.nodeName))
      problem(`pod ${key(pod)} is bound to ${pod.spec.nodeName}, which is not a node`);
    if (jobUids.has(ownerUid(pod) ?? '')) continue;
    const rs = rsByUid.get(ownerUid(pod) ?? '');
    if (!rs) {
      problem(`pod ${key(pod)} has no ReplicaSet (orphaned)`);
      continue;
    }
    const d = ownerUid(rs) ?? '';
    podsOf.set(d, [...(podsOf.get(d) ?? []), pod]);
  }
  for (const rs of replicaSets) {
    if (rs.metadata?.deletionTimestamp) continue;
    if (!byUid.has(ownerUid(rs) ?? '')) problem(`ReplicaSet ${key(rs)} has no Deployment (orphaned)`);
  }
  if (opts.expected) {
    const byKey = new Map(deployments.map((d) => [key(d), d]));
    for (const [name, want] of opts.expected) {
      if (opts.uncertain?.has(name)) continue;
      const d = byKey.get(name);
      if (!d) problem(`Deployment ${name} was acknowledged but is gone`);
      else if (
        d.spec?.replicas !== want.replicas ||
        d.spec?.template?.spec?.containers[0]?.image !== want.image
      )
        problem(
          `Deployment ${name}: ${d.spec?.replicas} × ${d.spec?.template?.spec?.containers[0]?.image}, acknowledged ${want.replicas} × ${want.image}`,
        );
    }
    for (const name of byKey.keys())
      if (
        !opts.expected.has(name) &&
        !opts.uncertain?.has(name) &&
        !byKey.get(name)?.metadata?.deletionTimestamp
      )
        problem(`Deployment ${name} is there though its deletion was acknowledged`);
  }
  for (const d of deployments) {
    if (d.metadata?.deletionTimestamp) continue;
    const uid = d.metadata?.uid ?? '';
    const replicas = d.spec?.replicas ?? 1;
    const mine = podsOf.get(uid) ?? [];
    if (d.status?.observedGeneration !== d.metadata?.generation)
      problem(`Deployment ${key(d)}: generation ${d.metadata?.generation} not yet observed`);
    if (mine.length !== replicas) problem(`Deployment ${key(d)}: ${mine.length} pods, want ${replicas}`);
    const owned = replicaSets.filter((rs) => ownerUid(rs) === uid);
    const image = d.spec?.template?.spec?.containers[0]?.image;
    const current = owned.find((rs) => rs.spec?.template?.spec?.containers[0]?.image === image);
    const hash = current?.metadata?.labels['pod-template-hash'];
    for (const pod of mine) {
      if (!current || pod.metadata?.labels['pod-template-hash'] !== hash)
        problem(`pod ${key(pod)} of Deployment ${key(d)} is not of the current template`);
      else if (opts.running) {
        const ready = pod.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
        if (pod.status?.phase !== 'Running' || !ready) problem(`pod ${key(pod)} is not Running and Ready`);
      }
    }
  }
  return { deployments: deployments.length, pods: pods.length, problems };
}
