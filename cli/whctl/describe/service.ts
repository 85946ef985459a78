/**
 * `describe service`: in kubectl's order — selector and type, the cluster IPs, how the
 * Service is reached from outside, then each port with its target, node port and the
 * endpoints behind it (from the Service's EndpointSlices), then the traffic policies.
 */
import type {
  LoadBalancerIngress,
  Service,
  ServicePort,
} from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
/** The label by which EndpointSlices name the Service they belong to (discovery.k8s.io). */
import { SERVICE_NAME_LABEL } from '../../../sdk/labels/well-known.js';
import { formatLabels } from '../../../sdk/printers/labels.js';
import { describeMeta } from './common.js';
import type { Description } from './description.js';
import { formatServiceEndpoints } from './service-endpoints.js';

export { SERVICE_NAME_LABEL };

export function describeService(d: Description, svc: Service, slices: readonly EndpointSlice[]): void {
  const spec = svc.spec;
  describeMeta(d, svc.metadata, true);
  d.item(0, 'Selector', formatLabels(spec?.selector));
  d.item(0, 'Type', spec?.type ?? '');
  if (spec?.ipFamilyPolicy !== undefined) d.item(0, 'IP Family Policy', spec.ipFamilyPolicy);
  d.item(0, 'IP Families', (spec?.ipFamilies ?? []).join(','));
  d.item(0, 'IP', spec?.clusterIp ?? '');
  d.item(0, 'IPs', (spec?.clusterIps ?? []).join(','));
  if ((spec?.externalIps ?? []).length > 0) d.item(0, 'External IPs', spec?.externalIps.join(',') ?? '');
  if (spec?.loadBalancerIp) d.item(0, 'Desired LoadBalancer IP', spec.loadBalancerIp);
  if (spec?.externalName) d.item(0, 'External Name', spec.externalName);
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (ingress.length > 0) d.item(0, 'LoadBalancer Ingress', ingress.map(ingressPoint).join(', '));
  for (const port of spec?.ports ?? []) describePort(d, port, slices);
  d.item(0, 'Session Affinity', spec?.sessionAffinity ?? '');
  if (spec?.externalTrafficPolicy) d.item(0, 'External Traffic Policy', spec.externalTrafficPolicy);
  if (spec?.internalTrafficPolicy !== undefined)
    d.item(0, 'Internal Traffic Policy', spec.internalTrafficPolicy);
  if (spec?.healthCheckNodePort) d.item(0, 'HealthCheck NodePort', String(spec.healthCheckNodePort));
  if ((spec?.loadBalancerSourceRanges ?? []).length > 0)
    d.item(0, 'LoadBalancer Source Ranges', spec?.loadBalancerSourceRanges.join(',') ?? '');
  if (spec?.trafficDistribution !== undefined) d.item(0, 'Traffic Distribution', spec.trafficDistribution);
}

/** `Port:  http  80/TCP`, its target, app protocol, node port and endpoints. */
function describePort(d: Description, port: ServicePort, slices: readonly EndpointSlice[]): void {
  const name = port.name || '<unset>';
  d.item(0, 'Port', `${name}  ${port.port}/${port.protocol}`);
  d.item(0, 'TargetPort', `${targetPortOf(port)}/${port.protocol}`);
  if (port.appProtocol !== undefined) d.item(0, 'AppProtocol', port.appProtocol);
  if (port.nodePort !== 0) d.item(0, 'NodePort', `${name}  ${port.nodePort}/${port.protocol}`);
  d.item(0, 'Endpoints', formatServiceEndpoints(slices, port.name));
}

/** A number or a container port's name; unset means the port itself, as the apiserver defaults it. */
function targetPortOf(port: ServicePort): string {
  const target = port.targetPort?.value;
  if (target === undefined) return String(port.port);
  return String(target.value);
}

/** An ingress point: its IP (with how it is reached, when said) or its host name. */
function ingressPoint(ingress: LoadBalancerIngress): string {
  if (ingress.ip === '') return ingress.hostname;
  return ingress.ipMode ? `${ingress.ip} (${ingress.ipMode})` : ingress.ip;
}
