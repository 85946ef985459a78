/**
 * The ranges Services draw from: the cluster IP range (`--service-cluster-ip-range`,
 * IPv4 CIDR, 10.96.0.0/12 by default as kubeadm's) and the node port range
 * (`--service-node-port-range`, 30000-32767 by default). Both are seen as offsets
 * 0..size-1 so that one allocator serves them.
 */

export interface ServiceRange {
  /** How the range is written (`10.96.0.0/12`, `30000-32767`), for messages. */
  readonly text: string;
  readonly size: number;
  /** The offset of a value in the range, or undefined when it is outside or malformed. */
  offsetOf(value: string): number | undefined;
  valueAt(offset: number): string;
}

function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * The usable addresses of an IPv4 CIDR: all but the network address and, for prefixes
 * shorter than /31, the broadcast address (Kubernetes' allocator leaves both out).
 */
export function parseServiceCidr(text: string): ServiceRange {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  const base = m ? parseIPv4(m[1] ?? '') : undefined;
  const bits = m ? Number(m[2]) : Number.NaN;
  if (base === undefined || !(bits >= 8 && bits <= 30)) {
    throw new Error(`service cluster IP range "${text}" must be an IPv4 CIDR from /8 to /30`);
  }
  const hostBits = 32 - bits;
  const network = base - (base % 2 ** hostBits);
  const size = 2 ** hostBits - 2;
  return {
    text: `${formatIPv4(network)}/${bits}`,
    size,
    offsetOf(value) {
      const ip = parseIPv4(value);
      if (ip === undefined) return undefined;
      const offset = ip - network - 1;
      return offset >= 0 && offset < size ? offset : undefined;
    },
    valueAt: (offset) => formatIPv4(network + 1 + offset),
  };
}

/** A port range `low-high` (or a single port), within 1–65535. */
export function parsePortRange(text: string): ServiceRange {
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(text.trim());
  const low = m ? Number(m[1]) : Number.NaN;
  const high = m ? Number(m[2] ?? m[1]) : Number.NaN;
  if (!(low >= 1 && high <= 65535 && low <= high)) {
    throw new Error(`service node port range "${text}" must be "low-high" within 1-65535`);
  }
  return {
    text: `${low}-${high}`,
    size: high - low + 1,
    offsetOf(value) {
      if (!/^[0-9]+$/.test(value)) return undefined;
      const port = Number(value);
      return port >= low && port <= high ? port - low : undefined;
    },
    valueAt: (offset) => String(low + offset),
  };
}
