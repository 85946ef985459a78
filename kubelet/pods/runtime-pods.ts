/**
 * The runtime's side of every pod, grouped by the pod uid its labels carry: what the
 * pod workers compare with the spec, and how a restarted kubelet finds the containers it
 * started before. `relist()` is the kubelet's PLEG: it lists sandboxes and containers,
 * reads the status of those that are new or changed state, and says which pods changed.
 */
import {
  type ContainerState,
  type ContainerStatus,
  type PodSandbox,
  PodSandboxState,
} from '../../sdk/gen/runtime/v1/api.js';
import {
  type ContainerRuntime,
  containerNameLabel,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
} from '../runtime/runtime.js';

export interface RuntimePod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly sandboxes: PodSandbox[];
  /** Every container instance the runtime still holds, by container name, newest attempt first. */
  readonly containers: Map<string, ContainerStatus[]>;
}

export interface RuntimePods {
  /** Lists the runtime; returns the uids of pods whose sandboxes or containers changed since the last relist. */
  relist(): Promise<Set<string>>;
  get(uid: string): RuntimePod | undefined;
  all(): RuntimePod[];
  /** Reads one pod's containers again now (after the worker acted on them). */
  refresh(uid: string): Promise<RuntimePod | undefined>;
}

export const nsToMs = (ns: string): number => Number(BigInt(ns || '0') / 1_000_000n);

export function readySandbox(pod: RuntimePod | undefined): PodSandbox | undefined {
  return pod?.sandboxes.find((s) => s.state === PodSandboxState.SANDBOX_READY);
}

export function createRuntimePods(runtime: ContainerRuntime): RuntimePods {
  let pods = new Map<string, RuntimePod>();
  /** Statuses by container id, with the state they were read in: re-read only on a change. */
  const statuses = new Map<string, ContainerStatus>();

  const build = async (
    sandboxes: PodSandbox[],
    containers: { id: string; state: ContainerState; labels: Record<string, string> }[],
    prune: boolean,
  ): Promise<Map<string, RuntimePod>> => {
    const out = new Map<string, RuntimePod>();
    const podOf = (labels: Record<string, string>) => {
      const uid = labels[podUidLabel];
      if (!uid) return undefined;
      let p = out.get(uid);
      if (!p) {
        p = {
          uid,
          namespace: labels[podNamespaceLabel] ?? '',
          name: labels[podNameLabel] ?? '',
          sandboxes: [],
          containers: new Map(),
        };
        out.set(uid, p);
      }
      return p;
    };
    for (const s of sandboxes) podOf(s.labels)?.sandboxes.push(s);
    const seen = new Set<string>();
    await Promise.all(
      containers.map(async (c) => {
        seen.add(c.id);
        let status = statuses.get(c.id);
        if (!status || status.state !== c.state) {
          try {
            status = (await runtime.containerStatus({ containerId: c.id, verbose: false })).status;
          } catch {
            status = undefined; // removed meanwhile
          }
          if (status) statuses.set(c.id, status);
        }
        if (!status) return;
        const name = c.labels[containerNameLabel];
        const pod = podOf(c.labels);
        if (!pod || !name) return;
        const list = pod.containers.get(name) ?? [];
        list.push(status);
        pod.containers.set(name, list);
      }),
    );
    if (prune) for (const id of statuses.keys()) if (!seen.has(id)) statuses.delete(id);
    for (const p of out.values()) {
      for (const list of p.containers.values()) {
        list.sort(
          (a, b) =>
            (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) ||
            Number(BigInt(b.createdAt || '0') - BigInt(a.createdAt || '0')),
        );
      }
      p.sandboxes.sort((a, b) => Number(BigInt(b.createdAt || '0') - BigInt(a.createdAt || '0')));
    }
    return out;
  };

  const fingerprint = (p: RuntimePod | undefined) =>
    p === undefined
      ? ''
      : JSON.stringify([
          p.sandboxes.map((s) => [s.id, s.state]),
          [...p.containers].map(([n, l]) => [n, l.map((c) => [c.id, c.state])]),
        ]);

  return {
    get: (uid) => pods.get(uid),
    all: () => [...pods.values()],
    async relist() {
      const [sandboxes, containers] = await Promise.all([
        runtime.listPodSandbox({}).then((r) => r.items),
        runtime.listContainers({}).then((r) => r.containers),
      ]);
      const next = await build(sandboxes, containers, true);
      const changed = new Set<string>();
      for (const uid of new Set([...pods.keys(), ...next.keys()])) {
        if (fingerprint(pods.get(uid)) !== fingerprint(next.get(uid))) changed.add(uid);
      }
      pods = next;
      return changed;
    },
    async refresh(uid) {
      const selector = { [podUidLabel]: uid };
      const [sandboxes, containers] = await Promise.all([
        runtime.listPodSandbox({ filter: { id: '', labelSelector: selector } }).then((r) => r.items),
        runtime
          .listContainers({ filter: { id: '', podSandboxId: '', labelSelector: selector } })
          .then((r) => r.containers),
      ]);
      const one = (await build(sandboxes, containers, false)).get(uid);
      if (one) pods.set(uid, one);
      else pods.delete(uid);
      return one;
    },
  };
}
