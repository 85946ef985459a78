/**
 * NodePorts: a pod's host ports must be free on the node. A port is taken for a
 * protocol and a host IP; 0.0.0.0 (or no IP) takes it on every address, so it conflicts
 * with any use of that port and protocol, and a specific IP conflicts with the same IP
 * or 0.0.0.0. Removing pods can free ports, so the rejection is Unschedulable
 * (preemption may help).
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { StateData } from '../framework/cycle-state.js';
import type {
  ClusterEventWithHint,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
  PreFilterPlugin,
  QueueingHint,
} from '../framework/interface.js';
import type { NodeInfo } from '../framework/node-info.js';
import { Status } from '../framework/status.js';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

const preFilterStateKey = `PreFilter${NODE_PORTS}`;
const allAddresses = '0.0.0.0';

export interface HostPort {
  readonly protocol: string;
  readonly port: number;
  readonly ip: string;
}

/**
 * The host ports a pod asks for: those of its containers and of its sidecars (init
 * containers with restartPolicy Always, which run for the pod's whole life); protocol
 * defaults to TCP and the IP to 0.0.0.0.
 */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const spec = pod.spec;
  if (spec === undefined) return out;
  const sidecars = spec.initContainers.filter((c) => c.restartPolicy === 'Always');
  for (const c of [...sidecars, ...spec.containers]) {
    for (const p of c.ports) {
      if (p.hostPort > 0)
        out.push({ protocol: p.protocol || 'TCP', port: p.hostPort, ip: p.hostIp || allAddresses });
    }
  }
  return out;
}

/** Ports in use as NodeInfo keeps them: `protocol/port` → host IP → count. */
type PortsInUse = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Whether the wanted port conflicts with a port in use. */
export function conflicts(want: HostPort, inUse: PortsInUse): boolean {
  if (want.port <= 0) return false;
  const ips = inUse.get(`${want.protocol}/${want.port}`);
  if (ips === undefined || ips.size === 0) return false;
  if (want.ip === allAddresses) return true;
  return ips.has(allAddresses) || ips.has(want.ip);
}

function fitsPorts(wanted: readonly HostPort[], inUse: PortsInUse): boolean {
  return !wanted.some((p) => conflicts(p, inUse));
}

function asPortsInUse(ports: readonly HostPort[]): PortsInUse {
  const m = new Map<string, Map<string, number>>();
  for (const p of ports) {
    const key = `${p.protocol}/${p.port}`;
    const ips = m.get(key) ?? new Map<string, number>();
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
    m.set(key, ips);
  }
  return m;
}

class PreFilterState implements StateData {
  constructor(readonly ports: readonly HostPort[]) {}
  clone(): StateData {
    return this; // never changed after PreFilter
  }
}

export const nodePorts: PluginFactory = () => {
  const wantedOf = (state: Parameters<FilterPlugin['filter']>[0], pod: Pod) =>
    state.read<PreFilterState>(preFilterStateKey)?.ports ?? podHostPorts(pod);

  const plugin: PreFilterPlugin & FilterPlugin & EnqueueExtensions = {
    name: NODE_PORTS,

    preFilter(state, pod) {
      const ports = podHostPorts(pod);
      if (ports.length === 0) return { status: Status.SKIP };
      state.write(preFilterStateKey, new PreFilterState(ports));
      return { status: Status.SUCCESS };
    },

    filter(state, pod, nodeInfo: NodeInfo) {
      if (nodeInfo.node === undefined) return Status.error(new Error('node not found'));
      return fitsPorts(wantedOf(state, pod), nodeInfo.usedPorts)
        ? Status.SUCCESS
        : Status.unschedulable(ERR_REASON_NODE_PORTS);
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      return [
        {
          // Container ports are immutable, so only a deleted pod frees a port; only one
          // that held a port this pod wants matters.
          event: { resource: 'AssignedPod', action: 'Delete' },
          hint: (pod, oldObj): QueueingHint => {
            const deleted = oldObj as Pod | undefined;
            if (deleted === undefined || (deleted.spec?.nodeName ?? '') === '') return 'Skip';
            return fitsPorts(podHostPorts(pod), asPortsInUse(podHostPorts(deleted))) ? 'Skip' : 'Queue';
          },
        },
        // A new node has every port free; node updates never free a port.
        { event: { resource: 'Node', action: 'Add' } },
      ];
    },
  };
  return plugin;
};
