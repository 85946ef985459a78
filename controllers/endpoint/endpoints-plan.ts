/**
 * What a Service's Endpoints should be, and whether that means a write (Kubernetes'
 * endpoints controller's syncService, as pure functions).
 *
 * Every Pod the selector picks that has an IP of the Service's family and has not
 * finished (nor is being deleted, unless `publishNotReadyAddresses`) is an address, ready
 * or not by its Ready condition (always ready with `publishNotReadyAddresses`), on each
 * Service port it resolves; the (address, port) pairs are then repacked. A Service
 * without ports lists its Pods without ports when headless, and none otherwise.
 */
import { isIPv6 } from 'node:net';
import {
  type EndpointAddress,
  type EndpointSubset,
  Endpoints,
} from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import { SKIP_MIRROR_LABEL } from '../../sdk/labels/well-known.js';
import { findPort } from '../shared/find-port.js';
import { sameLabels } from '../shared/labels.js';
import { podIPs, podReference, shouldPodBeInEndpoints, shouldSetHostname } from '../shared/pod-endpoints.js';
import { isPodReady } from '../shared/pod-state.js';
import { repackSubsets, sameSubsets } from '../shared/repack-subsets.js';

/** Most addresses, ready and not, one Endpoints holds; beyond it they are truncated. */
export const MAX_CAPACITY = 1000;
/** Set to `truncated` on an Endpoints whose addresses were cut to MAX_CAPACITY. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** When the change that led to the last write happened (RFC 3339, nanoseconds). */
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Set (empty) on the Endpoints of a Service without a cluster IP. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/**
 * Whether the Service is one whose Endpoints this controller keeps: it has a selector and
 * is not an ExternalName. The Endpoints of a Service without a selector are its owner's,
 * written by hand; they are left as they are.
 */
export function isManagedService(service: Service): boolean {
  const spec = service.spec;
  return spec !== undefined && spec.type !== 'ExternalName' && Object.keys(spec.selector).length > 0;
}

/** Not headless, and its cluster IP allocated. */
function hasClusterIP(service: Service): boolean {
  const ip = service.spec?.clusterIp ?? '';
  return ip !== '' && ip !== 'None';
}

/**
 * The family of the Service's addresses: its first IP family; for a Service written
 * before families were defaulted, its cluster IP's, or when headless the Pod's own.
 */
function familyOf(service: Service, pod: Pod): 'IPv4' | 'IPv6' {
  const first = service.spec?.ipFamilies[0];
  if (first === 'IPv4' || first === 'IPv6') return first;
  const ip = hasClusterIP(service) ? (service.spec?.clusterIp ?? '') : (pod.status?.podIp ?? '');
  return isIPv6(ip) ? 'IPv6' : 'IPv4';
}

/** The Pod's address for the Service; undefined when it has no IP of the Service's family. */
export function podAddress(service: Service, pod: Pod): EndpointAddress | undefined {
  const v6 = familyOf(service, pod) === 'IPv6';
  const ip = podIPs(pod).find((a) => isIPv6(a) === v6);
  if (ip === undefined) return undefined;
  const nodeName = pod.spec?.nodeName ?? '';
  return {
    ip,
    hostname: shouldSetHostname(pod, service) ? (pod.spec?.hostname ?? '') : '',
    ...(nodeName !== '' ? { nodeName } : {}),
    targetRef: podReference(pod),
  };
}

/** The repacked subsets of the Service's Pods (those its selector picks). */
export function desiredSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses ?? false;
  const servicePorts = service.spec?.ports ?? [];
  const headless = service.spec?.clusterIp === 'None';
  const subsets: EndpointSubset[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = podAddress(service, pod);
    if (!address) continue;
    const ready = publishNotReady || isPodReady(pod);
    const subset = (ports: EndpointSubset['ports']): EndpointSubset => ({
      addresses: ready ? [address] : [],
      notReadyAddresses: ready ? [] : [address],
      ports,
    });
    if (servicePorts.length === 0) {
      if (headless) subsets.push(subset([]));
      continue;
    }
    for (const servicePort of servicePorts) {
      const port = findPort(pod, servicePort);
      if (port === undefined) continue;
      subsets.push(
        subset([
          {
            name: servicePort.name,
            port,
            protocol: servicePort.protocol,
            ...(servicePort.appProtocol !== undefined ? { appProtocol: servicePort.appProtocol } : {}),
          },
        ]),
      );
    }
  }
  return repackSubsets(subsets);
}

/**
 * At most `max` addresses (Kubernetes' truncateEndpoints): ready ones are kept first. The
 * addresses of the kind being cut are shared among the subsets in proportion to what
 * each holds, rounded up, the last ones getting what is left; when even the ready ones
 * are too many, no not-ready address is kept.
 */
export function truncateSubsets(
  subsets: readonly EndpointSubset[],
  max = MAX_CAPACITY,
): { subsets: EndpointSubset[]; truncated: boolean } {
  const ready = subsets.reduce((n, s) => n + s.addresses.length, 0);
  const notReady = subsets.reduce((n, s) => n + s.notReadyAddresses.length, 0);
  if (ready + notReady <= max) return { subsets: [...subsets], truncated: false };
  const cutReady = ready > max;
  const room = cutReady ? max : max - ready;
  const total = cutReady ? ready : notReady;
  let left = room;
  const out = subsets.map((s) => {
    const share = Math.min(
      Math.ceil(((cutReady ? s.addresses : s.notReadyAddresses).length / total) * room),
      left,
    );
    const kept: EndpointSubset = cutReady
      ? { ...s, addresses: s.addresses.slice(0, share), notReadyAddresses: [] }
      : { ...s, notReadyAddresses: s.notReadyAddresses.slice(0, share) };
    left -= cutReady ? kept.addresses.length : kept.notReadyAddresses.length;
    return kept;
  });
  return { subsets: out, truncated: true };
}

/**
 * The Endpoints' labels: the Service's, the headless marker when it has no cluster IP,
 * and skip-mirror (its Service's EndpointSlices come from the EndpointSlice controller).
 */
export function endpointsLabels(service: Service): Record<string, string> {
  const labels = { ...(service.metadata?.labels ?? {}) };
  if (hasClusterIP(service)) delete labels[HEADLESS_LABEL];
  else labels[HEADLESS_LABEL] = '';
  labels[SKIP_MIRROR_LABEL] = 'true';
  return labels;
}

/** Go's RFC 3339 with nanoseconds, as Kubernetes writes the trigger time: trailing zeros of the fraction dropped. */
const rfc3339Nano = (d: Date) => d.toISOString().replace(/\.?0+Z$/, 'Z');

export type EndpointsPlan =
  | { readonly action: 'none' }
  | { readonly action: 'create' | 'update'; readonly endpoints: Endpoints };

export interface EndpointsPlanInput {
  readonly service: Service;
  /** The Pods of the Service's namespace that its selector matches. */
  readonly pods: readonly Pod[];
  /** The Endpoints of the same name, as cached; undefined when there is none. */
  readonly current: Endpoints | undefined;
  /** When the change this sync answers happened; undefined: none known. */
  readonly triggerTime?: Date | undefined;
}

/**
 * Nothing to write when the current Endpoints already lists the same subsets, has the
 * labels and says truthfully whether it was truncated. Otherwise the Endpoints to create
 * or update: the current one's other metadata (annotations included) kept, the trigger
 * time set (or removed when none is known). Unlike Kubernetes, which compares the
 * untruncated subsets and so rewrites an over-capacity Endpoints at every sync, the
 * truncated subsets are compared.
 */
export function planEndpoints(input: EndpointsPlanInput): EndpointsPlan {
  const { service, current } = input;
  const { subsets, truncated } = truncateSubsets(desiredSubsets(service, input.pods));
  const labels = endpointsLabels(service);
  const currentAnnotations = current?.metadata?.annotations ?? {};
  if (
    current &&
    sameSubsets(current.subsets, subsets) &&
    sameLabels(current.metadata?.labels ?? {}, labels) &&
    (truncated
      ? currentAnnotations[OVER_CAPACITY_ANNOTATION] === 'truncated'
      : !Object.hasOwn(currentAnnotations, OVER_CAPACITY_ANNOTATION))
  ) {
    return { action: 'none' };
  }
  const annotations = { ...currentAnnotations };
  if (input.triggerTime === undefined) delete annotations[TRIGGER_TIME_ANNOTATION];
  else annotations[TRIGGER_TIME_ANNOTATION] = rfc3339Nano(input.triggerTime);
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
  else delete annotations[OVER_CAPACITY_ANNOTATION];
  const endpoints = Endpoints.fromPartial({
    ...(current ?? {}),
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      ...(current?.metadata ?? {
        name: service.metadata?.name ?? '',
        namespace: service.metadata?.namespace ?? '',
      }),
      labels,
      annotations,
    },
    subsets,
  });
  return { action: current ? 'update' : 'create', endpoints };
}
