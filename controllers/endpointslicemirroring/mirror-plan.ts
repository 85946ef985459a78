/**
 * What EndpointSlices an Endpoints written by hand should be mirrored into (Kubernetes'
 * endpointslicemirroring reconciler), as data: pure, so that it can be tested without an
 * apiserver.
 *
 * An Endpoints is mirrored when its Service exists without a selector, and it neither
 * opts out (`endpointslice.kubernetes.io/skip-mirror: "true"`) nor holds a leader-election
 * record; otherwise every slice mirrored for it is deleted. Its subsets, repacked, give
 * one slice per address type and port set: a subset's ready addresses first, then its not
 * ready ones, at most `maxEndpointsPerSubset` of them, each as an endpoint with
 * `ready` alone set, its hostname, node and target; an address that is not an IP is skipped.
 * The first existing slice of a port set is updated in place when it differs (endpoints,
 * labels, annotations, owner), the others deleted; a slice to create takes the name of one
 * to delete of its address type instead.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointAddress, Endpoints } from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import {
  type Endpoint,
  type EndpointPort,
  EndpointSlice,
} from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL } from '../../sdk/labels/well-known.js';
import { controllerRef } from '../../sdk/owner-references.js';
import { repackSubsets } from '../shared/repack-subsets.js';
import type { SliceChanges } from '../shared/slice-writer.js';

/** The managed-by value of mirrored slices. */
export const CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** An Endpoints holding a leader-election record is a lock, not a list of endpoints. */
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** Annotations of the Endpoints not carried over to its slices. */
const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface MirrorPlan extends SliceChanges {
  readonly create: EndpointSlice[];
  readonly update: EndpointSlice[];
  readonly delete: EndpointSlice[];
  /** Addresses left out for not being IPs. */
  readonly invalidAddresses: number;
  /** Addresses left out in all: invalid ones and those beyond `maxEndpointsPerSubset`. */
  readonly skippedAddresses: number;
}

export interface MirrorPlanInput {
  readonly endpoints: Endpoints;
  /** The Service of the same name; undefined when there is none. */
  readonly service: Service | undefined;
  /** The slices mirrored for it so far, but those being deleted. */
  readonly slices: readonly EndpointSlice[];
  readonly maxEndpointsPerSubset: number;
}

export function isMirroredSlice(slice: EndpointSlice): boolean {
  return slice.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME;
}

/** Whether the Endpoints itself may be mirrored (Kubernetes' shouldMirror). */
export function shouldMirror(endpoints: Endpoints): boolean {
  return (
    endpoints.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true' &&
    !Object.hasOwn(endpoints.metadata?.annotations ?? {}, LEADER_ANNOTATION)
  );
}

/** Whether its Service leaves the Endpoints to its owner: it exists and selects nothing. */
function serviceWithoutSelector(service: Service | undefined): boolean {
  return service !== undefined && Object.keys(service.spec?.selector ?? {}).length === 0;
}

/** The address type of an IP, undefined when it is none (an IPv4-mapped IPv6 address counts as IPv4, as in Go). */
function addressOf(ip: string): { type: 'IPv4' | 'IPv6'; address: string } | undefined {
  if (isIPv4(ip)) return { type: 'IPv4', address: ip };
  if (!isIPv6(ip)) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped?.[1] ? { type: 'IPv4', address: mapped[1] } : { type: 'IPv6', address: ip };
}

function toSlicePorts(ports: Endpoints['subsets'][number]['ports']): EndpointPort[] {
  return ports.map((p) => ({
    name: p.name,
    port: p.port,
    protocol: p.protocol || 'TCP',
    ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}),
  }));
}

const portKey = (addressType: string, ports: readonly EndpointPort[]) =>
  `${addressType}/${JSON.stringify(
    ports
      .map((p) => [p.name ?? '', p.port ?? 0, p.protocol || 'TCP', p.appProtocol ?? ''])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  )}`;

function toEndpoint(address: EndpointAddress, ip: string, ready: boolean): Endpoint {
  return {
    addresses: [ip],
    conditions: { ready },
    ...(address.hostname !== '' ? { hostname: address.hostname } : {}),
    ...(address.nodeName !== undefined ? { nodeName: address.nodeName } : {}),
    ...(address.targetRef !== undefined ? { targetRef: address.targetRef } : {}),
  };
}

/** What is compared of an endpoint: what mirroring sets (the apiserver may default more). */
function endpointIdentity(e: Endpoint): string {
  const ref = e.targetRef;
  return JSON.stringify([
    e.addresses,
    e.conditions?.ready ?? null,
    e.hostname ?? '',
    e.nodeName ?? '',
    ref ? [ref.kind, ref.namespace, ref.name, ref.uid] : null,
  ]);
}

const sameEndpoints = (a: readonly Endpoint[], b: readonly Endpoint[]) => {
  const ids = (es: readonly Endpoint[]) => es.map(endpointIdentity).sort().join('\n');
  return a.length === b.length && ids(a) === ids(b);
};

const sameMap = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

/** Labels of a mirrored slice: the Endpoints' own, then the two that tie it to the Service and to this controller. */
export function mirroredLabels(endpoints: Endpoints): Record<string, string> {
  return {
    ...(endpoints.metadata?.labels ?? {}),
    [SERVICE_NAME_LABEL]: endpoints.metadata?.name ?? '',
    [MANAGED_BY_LABEL]: CONTROLLER_NAME,
  };
}

/** Annotations of a mirrored slice: the Endpoints' own but its trigger time and kubectl's last applied configuration. */
export function mirroredAnnotations(endpoints: Endpoints): Record<string, string> {
  const annotations = { ...(endpoints.metadata?.annotations ?? {}) };
  delete annotations[TRIGGER_TIME_ANNOTATION];
  delete annotations[LAST_APPLIED_ANNOTATION];
  return annotations;
}

interface Group {
  readonly addressType: string;
  readonly ports: EndpointPort[];
  readonly endpoints: Map<string, Endpoint>;
}

/** Per address type and port set, the endpoints wanted, and what was left out. */
function desiredGroups(endpoints: Endpoints, maxPerSubset: number) {
  const groups = new Map<string, Group>();
  let invalidAddresses = 0;
  let skippedAddresses = 0;
  for (const subset of repackSubsets(endpoints.subsets)) {
    const ports = toSlicePorts(subset.ports);
    const total = subset.addresses.length + subset.notReadyAddresses.length;
    let added = 0;
    const add = (address: EndpointAddress, ready: boolean) => {
      const ip = addressOf(address.ip);
      if (!ip) {
        invalidAddresses++;
        return;
      }
      const key = portKey(ip.type, ports);
      let group = groups.get(key);
      if (!group) {
        group = { addressType: ip.type, ports, endpoints: new Map() };
        groups.set(key, group);
      }
      const endpoint = toEndpoint(address, ip.address, ready);
      group.endpoints.set(endpointIdentity(endpoint), endpoint);
      added++;
    };
    for (const address of subset.addresses) {
      if (added >= maxPerSubset) break;
      add(address, true);
    }
    for (const address of subset.notReadyAddresses) {
      if (added >= maxPerSubset) break;
      add(address, false);
    }
    skippedAddresses += total - added;
  }
  return { groups, invalidAddresses, skippedAddresses };
}

function newSlice(endpoints: Endpoints, group: Group, maxPerSubset: number): EndpointSlice {
  return EndpointSlice.fromPartial({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      // An Endpoints is named as its Service, a DNS label: `<name>-` is a valid prefix.
      generateName: `${endpoints.metadata?.name ?? ''}-`,
      namespace: endpoints.metadata?.namespace ?? '',
      labels: mirroredLabels(endpoints),
      annotations: mirroredAnnotations(endpoints),
      ownerReferences: [controllerRef({ ...endpoints, apiVersion: 'v1', kind: 'Endpoints' })],
    },
    addressType: group.addressType,
    endpoints: [...group.endpoints.values()].slice(0, maxPerSubset),
    ports: group.ports.map((p) => ({ ...p })),
  });
}

/** `next` written over the existing slice `existing`: its name and version kept, the rest replaced. */
function over(existing: EndpointSlice, next: EndpointSlice): EndpointSlice {
  const { generateName: _, ...metadata } = next.metadata as NonNullable<EndpointSlice['metadata']>;
  return {
    ...next,
    metadata: {
      ...(existing.metadata as NonNullable<EndpointSlice['metadata']>),
      labels: metadata.labels,
      annotations: metadata.annotations,
      ownerReferences: metadata.ownerReferences,
    },
  };
}

const ownerUid = (slice: EndpointSlice) =>
  slice.metadata?.ownerReferences.find((r) => r.controller === true)?.uid ?? '';

export function planMirroredSlices(input: MirrorPlanInput): MirrorPlan {
  const { endpoints, slices } = input;
  if (!shouldMirror(endpoints) || !serviceWithoutSelector(input.service)) {
    return { create: [], update: [], delete: [...slices], invalidAddresses: 0, skippedAddresses: 0 };
  }
  const max = input.maxEndpointsPerSubset;
  const { groups, invalidAddresses, skippedAddresses } = desiredGroups(endpoints, max);
  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const key = portKey(slice.addressType, slice.ports);
    existingByKey.set(key, [...(existingByKey.get(key) ?? []), slice]);
  }
  const create: EndpointSlice[] = [];
  const update: EndpointSlice[] = [];
  const toDelete: EndpointSlice[] = [];
  for (const [key, group] of groups) {
    const wanted = newSlice(endpoints, group, max);
    const [first, ...rest] = existingByKey.get(key) ?? [];
    toDelete.push(...rest);
    if (!first) {
      create.push(wanted);
      continue;
    }
    const unchanged =
      sameEndpoints(first.endpoints, wanted.endpoints) &&
      sameMap(first.metadata?.labels ?? {}, wanted.metadata?.labels ?? {}) &&
      sameMap(first.metadata?.annotations ?? {}, wanted.metadata?.annotations ?? {}) &&
      ownerUid(first) === (endpoints.metadata?.uid ?? '');
    if (!unchanged) update.push(over(first, wanted));
  }
  for (const [key, existing] of existingByKey) if (!groups.has(key)) toDelete.push(...existing);
  // A slice to create reuses one to delete of its address type (immutable on a slice).
  const remaining: EndpointSlice[] = [];
  for (const slice of create) {
    const i = toDelete.findIndex((d) => d.addressType === slice.addressType);
    const reused = toDelete[i];
    if (reused) {
      toDelete.splice(i, 1);
      update.push(over(reused, slice));
    } else {
      remaining.push(slice);
    }
  }
  return { create: remaining, update, delete: toDelete, invalidAddresses, skippedAddresses };
}
