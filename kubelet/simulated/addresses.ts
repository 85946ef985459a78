/**
 * Made-up addresses of simulated nodes and their pods. Node i gets the InternalIP
 * 172.16.0.0 + i + 1 and the pod CIDR 10.64.0.0 + i·256 as a /24 (so 16,384 nodes fit in
 * 10.64.0.0/10), from which its pods take addresses in order. Nothing routes them: they
 * exist so that podIP, hostIP and spec.podCIDR look as they do on a real cluster, unique
 * across the simulated nodes.
 */

const NODE_IP_BASE = ipToNumber('172.16.0.0');
const POD_CIDR_BASE = ipToNumber('10.64.0.0');
/** Nodes the address plan has room for. */
export const MAX_SIMULATED_NODES = 16_384;

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function simulatedNodeIP(index: number): string {
  return numberToIp(NODE_IP_BASE + index + 1);
}

export function simulatedPodCidr(index: number): string {
  return `${numberToIp(POD_CIDR_BASE + index * 256)}/24`;
}

/** One node's pod addresses: .1 to .254 of its /24, each held by one pod uid at a time. */
export interface PodIPAllocator {
  /** The address of `uid`: the one it holds, or the lowest free one. Throws when all are taken. */
  allocate(uid: string): string;
  /** Records that `uid` holds `ip` (found in its status after a restart); false if `ip` is not in this range or is held by another pod. */
  reserve(uid: string, ip: string): boolean;
  release(uid: string): void;
  /** Addresses in use. */
  size(): number;
}

export function createPodIPAllocator(cidr: string): PodIPAllocator {
  const base = ipToNumber(cidr.slice(0, cidr.indexOf('/')));
  const byUid = new Map<string, number>();
  const used = new Set<number>();
  let next = 1;
  return {
    allocate(uid) {
      const held = byUid.get(uid);
      if (held !== undefined) return numberToIp(base + held);
      for (let tried = 0; tried < 254; tried++) {
        const host = next;
        next = next === 254 ? 1 : next + 1;
        if (!used.has(host)) {
          used.add(host);
          byUid.set(uid, host);
          return numberToIp(base + host);
        }
      }
      throw new Error(
        `no pod address left in ${cidr}: 254 pods hold one; lower --simulated-pods so that the scheduler places fewer pods on a node`,
      );
    },
    reserve(uid, ip) {
      const host = ipToNumber(ip) - base;
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || host < 1 || host > 254) return false;
      const held = byUid.get(uid);
      if (held === host) return true;
      if (used.has(host)) return false;
      if (held !== undefined) used.delete(held);
      used.add(host);
      byUid.set(uid, host);
      return true;
    },
    release(uid) {
      const held = byUid.get(uid);
      if (held === undefined) return;
      byUid.delete(uid);
      used.delete(held);
    },
    size: () => used.size,
  };
}
