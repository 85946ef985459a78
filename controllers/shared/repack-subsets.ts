/**
 * Endpoints subsets in their canonical form (Kubernetes' endpoints.RepackSubsets): the
 * ports that the same addresses serve, with the same readiness, share one subset. An
 * address is one per IP and Pod uid; when it is ready on a port in one subset and not in
 * another, not ready wins. Addresses without ports (a headless Service without ports) are
 * kept, in a subset with no ports.
 *
 * Order: addresses by IP then Pod uid, as Kubernetes sorts them; ports by name, port,
 * protocol; subsets by their content. Kubernetes orders ports and subsets by an MD5 of
 * Go's printing of them, which cannot be reproduced here; what matters is that the same
 * endpoints always give the same subsets, so that an unchanged Service writes nothing.
 */
import type {
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
} from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';

/** Addresses are told apart by IP and the uid of the object behind them. */
const addressKey = (a: EndpointAddress) => `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort) => JSON.stringify([p.name, p.port, p.protocol, p.appProtocol ?? null]);
/** Stands for "no port", so that addresses of a subset without ports are not lost. */
const NO_PORT = '';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compare(a.ip, b.ip) || compare(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
}

export function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return compare(a.name, b.name) || a.port - b.port || compare(a.protocol, b.protocol);
}

export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  /** The first copy of each address seen: the one written. */
  const addresses = new Map<string, EndpointAddress>();
  const ports = new Map<string, EndpointPort>();
  /** Per port key: address key → ready. */
  const readiness = new Map<string, Map<string, boolean>>();

  const add = (address: EndpointAddress, ready: boolean, port: string) => {
    const key = addressKey(address);
    if (!addresses.has(key)) addresses.set(key, address);
    let byAddress = readiness.get(port);
    if (!byAddress) {
      byAddress = new Map();
      readiness.set(port, byAddress);
    }
    // Not ready on a port anywhere makes it not ready on that port.
    if (byAddress.get(key) !== false) byAddress.set(key, ready);
  };
  for (const subset of subsets) {
    const keys = subset.ports.length === 0 ? [NO_PORT] : subset.ports.map(portKey);
    subset.ports.forEach((p, i) => {
      const key = keys[i] as string;
      if (!ports.has(key)) ports.set(key, p);
    });
    for (const key of keys) {
      for (const a of subset.addresses) add(a, true, key);
      for (const a of subset.notReadyAddresses) add(a, false, key);
    }
  }

  // Ports whose addresses and readiness are the same go together.
  const groups = new Map<string, { members: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const [port, members] of readiness) {
    const key = JSON.stringify([...members].sort((a, b) => compare(a[0], b[0])));
    let group = groups.get(key);
    if (!group) {
      group = { members, ports: [] };
      groups.set(key, group);
    }
    const p = ports.get(port);
    if (p) group.ports.push({ ...p });
  }

  const packed: EndpointSubset[] = [];
  for (const { members, ports: groupPorts } of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [key, isReady] of members) {
      const address = addresses.get(key) as EndpointAddress;
      (isReady ? ready : notReady).push(address);
    }
    packed.push({
      addresses: ready.sort(compareAddresses),
      notReadyAddresses: notReady.sort(compareAddresses),
      ports: groupPorts.sort(comparePorts),
    });
  }
  const keyed = packed.map((s) => [subsetKey(s), s] as const);
  return keyed.sort((a, b) => compare(a[0], b[0])).map(([, s]) => s);
}

/** What a subset says, for ordering and comparing (a Pod's resourceVersion is no part of it). */
function subsetKey(s: EndpointSubset): string {
  const address = (a: EndpointAddress) => [
    a.ip,
    a.hostname,
    a.nodeName ?? '',
    a.targetRef
      ? [a.targetRef.kind, a.targetRef.namespace, a.targetRef.name, a.targetRef.uid, a.targetRef.fieldPath]
      : null,
  ];
  return JSON.stringify([
    s.ports.map((p) => [p.name, p.port, p.protocol, p.appProtocol ?? '']),
    s.addresses.map(address),
    s.notReadyAddresses.map(address),
  ]);
}

/**
 * Whether two lists of subsets list the same addresses, readiness and ports, however
 * they are packed and ordered, ignoring the resourceVersion of their targets (a Pod's
 * annotation change is no reason to write), as Kubernetes compares them.
 */
export function sameSubsets(a: readonly EndpointSubset[], b: readonly EndpointSubset[]): boolean {
  const x = repackSubsets(a).map(subsetKey);
  const y = repackSubsets(b).map(subsetKey);
  return x.length === y.length && x.every((k, i) => k === y[i]);
}
