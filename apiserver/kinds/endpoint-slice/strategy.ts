/** The EndpointSlice strategy (Kubernetes' pkg/registry/discovery/endpointslice and its validation). */
import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointSlice } from '../../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import type { Strategy } from '../../registry/strategy.js';
import { duplicate, type ErrorList, invalid, required, tooMany } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateDnsLabel, validateDnsSubdomain, validateQualifiedName } from '../../validation/names.js';
import { immutable } from '../../validation/object-meta.js';
import { infoOf } from '../kind-info.js';
import { validateEnum, validatePortNumber } from '../shared/rules.js';

export const addressTypes = ['IPv4', 'IPv6', 'FQDN'];
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
const MAX_ADDRESSES = 100;

function validateAddress(address: string, type: string, path: FieldPath): ErrorList {
  if (type === 'IPv4') return isIPv4(address) ? [] : [invalid(path, address, 'must be a valid IPv4 address')];
  if (type === 'IPv6')
    return isIPv6(address) && !address.includes('%')
      ? []
      : [invalid(path, address, 'must be a valid IPv6 address')];
  if (type === 'FQDN') return validateDnsSubdomain(address, path);
  return [];
}

export function validateEndpointSlice(slice: EndpointSlice): ErrorList {
  const errs: ErrorList = [];
  const type = slice.addressType;
  errs.push(...validateEnum(type, addressTypes, FieldPath.of('addressType')));
  const endpoints = FieldPath.of('endpoints');
  if (slice.endpoints.length > MAX_ENDPOINTS)
    errs.push(tooMany(endpoints, slice.endpoints.length, MAX_ENDPOINTS));
  slice.endpoints.forEach((ep, i) => {
    const p = endpoints.index(i);
    const addresses = p.child('addresses');
    if (ep.addresses.length === 0) errs.push(required(addresses, 'must contain at least 1 address'));
    if (ep.addresses.length > MAX_ADDRESSES)
      errs.push(tooMany(addresses, ep.addresses.length, MAX_ADDRESSES));
    for (const [j, a] of ep.addresses.entries()) errs.push(...validateAddress(a, type, addresses.index(j)));
    if (ep.hostname !== undefined) errs.push(...validateDnsLabel(ep.hostname, p.child('hostname')));
    if (ep.nodeName !== undefined) errs.push(...validateDnsSubdomain(ep.nodeName, p.child('nodeName')));
  });
  const ports = FieldPath.of('ports');
  if (slice.ports.length > MAX_PORTS) errs.push(tooMany(ports, slice.ports.length, MAX_PORTS));
  const names = new Set<string>();
  slice.ports.forEach((port, i) => {
    const p = ports.index(i);
    const name = port.name ?? '';
    if (name !== '') errs.push(...validateDnsLabel(name, p.child('name')));
    if (names.has(name)) errs.push(duplicate(p.child('name'), name));
    names.add(name);
    if (port.protocol !== undefined) {
      errs.push(...validateEnum(port.protocol, ['TCP', 'UDP', 'SCTP'], p.child('protocol')));
    }
    if (port.port !== undefined) errs.push(...validatePortNumber(port.port, p.child('port')));
    if (port.appProtocol !== undefined)
      errs.push(...validateQualifiedName(port.appProtocol, p.child('appProtocol')));
  });
  return errs;
}

export function endpointSliceStrategy(): Strategy<EndpointSlice> {
  return {
    info: infoOf('EndpointSlice'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    // Consumers (service proxies) tell a slice they have seen from a changed one by it.
    tracksGeneration: true,
    applyDefaults(slice) {
      for (const port of slice.ports) {
        port.protocol ??= 'TCP';
        port.name ??= '';
      }
    },
    prepareForCreate() {},
    validate: validateEndpointSlice,
    prepareForUpdate() {},
    validateUpdate: (slice, old) => [
      ...validateEndpointSlice(slice),
      ...immutable(slice.addressType, old.addressType, FieldPath.of('addressType')),
    ],
  };
}
