/**
 * The Endpoints strategy (Kubernetes' pkg/registry/core/endpoint and ValidateEndpoints of
 * pkg/apis/core/validation). Subsets are stored as written: Kubernetes stopped repacking
 * them in the apiserver in 1.20, so a manifest reads back as it was applied.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type {
  EndpointAddress,
  EndpointPort,
  Endpoints,
} from '../../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateDnsLabel, validateDnsSubdomain, validateQualifiedName } from '../../validation/names.js';
import { infoOf } from '../kind-info.js';
import { validateEnum, validatePortNumber } from '../shared/rules.js';

/** As Kubernetes lists them in a `Unsupported value` error: sorted. */
const protocols = ['SCTP', 'TCP', 'UDP'];

type Subnet = readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6'];

function ranges(subnets: readonly Subnet[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
  return list;
}

/**
 * Addresses that make no sense as a destination (unspecified) or that serve the node
 * itself (link-local, e.g. a cloud's metadata service). Go's net.IP checks, which
 * Kubernetes uses, match IPv4-mapped IPv6 addresses too; a BlockList's IPv4 ranges do as well.
 *
 * Loopback addresses are accepted, unlike in Kubernetes: a plane on one machine has its
 * node, and so its pods, at 127.0.0.1, and their Endpoints must say so. Kubernetes refuses
 * them so that its apiserver's service proxy cannot be pointed at its own host; this
 * apiserver has no such proxy (one that comes must refuse loopback targets itself).
 */
const specialRanges: readonly { ranges: BlockList; reason: (ip: string) => string }[] = [
  {
    ranges: ranges([
      ['0.0.0.0', 32, 'ipv4'],
      ['::', 128, 'ipv6'],
    ]),
    reason: (ip) => `may not be unspecified (${ip})`,
  },
  {
    ranges: ranges([
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ]),
    reason: () => 'may not be in the link-local range (169.254.0.0/16, fe80::/10)',
  },
  {
    // Go's IsLinkLocalMulticast: 224.0.0.0/24, and ffX2::/16 whatever the flags X.
    ranges: ranges([
      ['224.0.0.0', 24, 'ipv4'],
      ...Array.from({ length: 16 }, (_, flags): Subnet => [`ff${flags.toString(16)}2::`, 16, 'ipv6']),
    ]),
    reason: () => 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
  },
];

/** An IPv4 or IPv6 address without a zone (`fe80::1%eth0` is not an address Kubernetes parses). */
function isIP(ip: string): boolean {
  return isIPv4(ip) || (isIPv6(ip) && !ip.includes('%'));
}

/** Not unspecified or link-local (Kubernetes' ValidateNonSpecialIP, loopback aside). */
function validateNonSpecialIP(ip: string, path: FieldPath): ErrorList {
  if (!isIP(ip)) return [invalid(path, ip, 'must be a valid IP address')];
  const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
  return specialRanges.filter((s) => s.ranges.check(ip, family)).map((s) => invalid(path, ip, s.reason(ip)));
}

/** In Kubernetes' order: an IP that is not one fails both IP checks, before and after the names. */
function validateAddress(address: EndpointAddress, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const ip = path.child('ip');
  if (!isIP(address.ip))
    errs.push(invalid(ip, address.ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  if (address.hostname !== '') errs.push(...validateDnsLabel(address.hostname, path.child('hostname')));
  if (address.nodeName !== undefined)
    errs.push(...validateDnsSubdomain(address.nodeName, path.child('nodeName')));
  errs.push(...validateNonSpecialIP(address.ip, ip));
  return errs;
}

/** A port's name is required once a subset has several; names are not checked for uniqueness, as in Kubernetes. */
function validatePort(port: EndpointPort, named: boolean, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (named && port.name === '') errs.push(required(path.child('name'), ''));
  else if (port.name !== '') errs.push(...validateDnsLabel(port.name, path.child('name')));
  errs.push(...validatePortNumber(port.port, path.child('port')));
  errs.push(...validateEnum(port.protocol, protocols, path.child('protocol')));
  if (port.appProtocol !== undefined)
    errs.push(...validateQualifiedName(port.appProtocol, path.child('appProtocol')));
  return errs;
}

/**
 * Each subset needs an address, ready or not; ports may be left out (a headless Service's
 * endpoints have none).
 */
export function validateEndpoints(endpoints: Endpoints): ErrorList {
  const errs: ErrorList = [];
  for (const [i, subset] of endpoints.subsets.entries()) {
    const p = FieldPath.of('subsets').index(i);
    if (subset.addresses.length === 0 && subset.notReadyAddresses.length === 0)
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [j, a] of subset.addresses.entries())
      errs.push(...validateAddress(a, p.child('addresses').index(j)));
    for (const [j, a] of subset.notReadyAddresses.entries())
      errs.push(...validateAddress(a, p.child('notReadyAddresses').index(j)));
    const named = subset.ports.length > 1;
    for (const [j, port] of subset.ports.entries())
      errs.push(...validatePort(port, named, p.child('ports').index(j)));
  }
  return errs;
}

export function applyEndpointsDefaults(endpoints: Endpoints): void {
  for (const subset of endpoints.subsets) {
    for (const port of subset.ports) if (port.protocol === '') port.protocol = 'TCP';
  }
}

export function endpointsStrategy(): Strategy<Endpoints> {
  return {
    info: infoOf('Endpoints'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults: applyEndpointsDefaults,
    prepareForCreate() {},
    validate: validateEndpoints,
    prepareForUpdate() {},
    validateUpdate: validateEndpoints,
  };
}
