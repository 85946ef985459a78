/**
 * The Service strategy (Kubernetes' pkg/registry/core/service and the Service rules of
 * pkg/apis/core/validation). Cluster IPs and node ports are allocated by the kind's write
 * hooks (allocation.ts) between prepare and validation, so validation sees them.
 */
import { isIPv4 } from 'node:net';
import type { Service, ServicePort, ServiceSpec } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import type { Strategy } from '../../registry/strategy.js';
import {
  duplicate,
  type ErrorList,
  forbidden,
  invalid,
  notSupported,
  required,
} from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateLabels } from '../../validation/labels.js';
import { validateDnsLabel, validateDnsSubdomain } from '../../validation/names.js';
import { infoOf } from '../kind-info.js';
import { validateEnum, validateInRange, validatePortName, validatePortNumber } from '../shared/rules.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';

export const serviceTypes = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
export const protocols = ['TCP', 'UDP', 'SCTP'];
const sessionAffinities = ['ClientIP', 'None'];
const trafficPolicies = ['Cluster', 'Local'];
const ipFamilyPolicies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
/** ClientIP affinity's default and longest timeout, in seconds. */
const DEFAULT_CLIENT_IP_TIMEOUT = 10_800;
const MAX_CLIENT_IP_TIMEOUT = 86_400;

const specPath = FieldPath.of('spec');

/** A headless Service: no cluster IP, DNS answers with the endpoints' addresses. */
export function isHeadless(spec: ServiceSpec | undefined): boolean {
  return spec?.clusterIp === 'None';
}

/** Whether the Service holds a cluster IP of the service range. */
export function needsClusterIP(spec: ServiceSpec | undefined): boolean {
  return spec !== undefined && spec.type !== 'ExternalName' && !isHeadless(spec);
}

/** Whether the Service's ports hold node ports. */
export function needsNodePorts(spec: ServiceSpec | undefined): boolean {
  if (spec?.type === 'NodePort') return true;
  return spec?.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false;
}

function defaultPort(port: ServicePort): void {
  if (port.protocol === '') port.protocol = 'TCP';
  const target = port.targetPort?.value;
  if (
    target === undefined ||
    (target.$case === 'intVal' && target.value === 0) ||
    (target.$case === 'strVal' && target.value === '')
  ) {
    port.targetPort = { value: { $case: 'intVal', value: port.port } };
  }
}

export function applyServiceDefaults(svc: Service): void {
  const spec = svc.spec;
  if (!spec) return;
  if (spec.type === '') spec.type = 'ClusterIP';
  if (spec.sessionAffinity === '') spec.sessionAffinity = 'None';
  if (
    spec.sessionAffinity === 'ClientIP' &&
    spec.sessionAffinityConfig?.clientIp?.timeoutSeconds === undefined
  ) {
    spec.sessionAffinityConfig = { clientIp: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT } };
  }
  for (const port of spec.ports) defaultPort(port);
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && spec.externalTrafficPolicy === '') {
    spec.externalTrafficPolicy = 'Cluster';
  }
  if (spec.type !== 'ExternalName' && spec.internalTrafficPolicy === undefined) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) {
    spec.allocateLoadBalancerNodePorts = true;
  }
  // The one IP family this cluster serves.
  if (spec.type !== 'ExternalName') {
    spec.ipFamilyPolicy ??= 'SingleStack';
    if (spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
  if (spec.clusterIp !== '' && spec.clusterIps.length === 0) spec.clusterIps = [spec.clusterIp];
  if (spec.clusterIp === '' && spec.clusterIps.length > 0) spec.clusterIp = spec.clusterIps[0] ?? '';
}

function validatePorts(spec: ServiceSpec, errs: ErrorList): void {
  const path = specPath.child('ports');
  const headless = isHeadless(spec);
  if (spec.ports.length === 0 && spec.type !== 'ExternalName' && !headless) errs.push(required(path, ''));
  const names = new Set<string>();
  const seen = new Set<string>();
  spec.ports.forEach((port, i) => {
    const p = path.index(i);
    if (spec.ports.length > 1 && port.name === '') errs.push(required(p.child('name'), ''));
    if (port.name !== '') {
      errs.push(...validateDnsLabel(port.name, p.child('name')));
      if (names.has(port.name)) errs.push(duplicate(p.child('name'), port.name));
      names.add(port.name);
    }
    errs.push(...validateEnum(port.protocol, protocols, p.child('protocol')));
    errs.push(...validatePortNumber(port.port, p.child('port')));
    const key = `${port.port}/${port.protocol}`;
    if (seen.has(key)) errs.push(duplicate(p, { port: port.port, protocol: port.protocol }));
    seen.add(key);
    const target = port.targetPort?.value;
    if (target?.$case === 'intVal') errs.push(...validatePortNumber(target.value, p.child('targetPort')));
    if (target?.$case === 'strVal') errs.push(...validatePortName(target.value, p.child('targetPort')));
    if (port.nodePort !== 0) {
      if (!needsNodePorts(spec)) {
        errs.push(forbidden(p.child('nodePort'), `may not be used when \`type\` is '${spec.type}'`));
      } else {
        errs.push(...validatePortNumber(port.nodePort, p.child('nodePort')));
      }
    }
  });
}

function validateClusterIP(spec: ServiceSpec, errs: ErrorList): void {
  const path = specPath.child('clusterIPs');
  if (spec.type === 'ExternalName') {
    if (spec.clusterIp !== '' || spec.clusterIps.length > 0) {
      errs.push(forbidden(path, 'may not be set for ExternalName services'));
    }
    return;
  }
  if (spec.clusterIps.length > 1)
    errs.push(invalid(path, spec.clusterIps, 'this cluster serves one IP family: at most one cluster IP'));
  if (spec.clusterIps.length > 0 && spec.clusterIps[0] !== spec.clusterIp) {
    errs.push(invalid(path, spec.clusterIps, 'must have the same first element as spec.clusterIP'));
  }
  const ip = spec.clusterIp;
  if (ip === 'None') {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      errs.push(invalid(path.index(0), ip, `may not be set to 'None' for ${spec.type} services`));
    }
  } else if (ip !== '' && !isIPv4(ip)) {
    errs.push(invalid(path.index(0), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
}

function validateIPFamilies(spec: ServiceSpec, errs: ErrorList): void {
  if (spec.type === 'ExternalName') return;
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined) {
    errs.push(...validateEnum(policy, ipFamilyPolicies, specPath.child('ipFamilyPolicy')));
    if (policy === 'RequireDualStack') {
      errs.push(
        invalid(
          specPath.child('ipFamilyPolicy'),
          policy,
          'this cluster is not configured for dual-stack services',
        ),
      );
    }
  }
  spec.ipFamilies.forEach((family, i) => {
    const p = specPath.child('ipFamilies').index(i);
    if (family !== 'IPv4' && family !== 'IPv6') errs.push(notSupported(p, family, ['IPv4', 'IPv6']));
    else if (family === 'IPv6') errs.push(invalid(p, family, 'not configured on this cluster'));
  });
  if (spec.ipFamilies.length > 1)
    errs.push(invalid(specPath.child('ipFamilies'), spec.ipFamilies, 'this cluster serves one IP family'));
}

export function validateService(svc: Service): ErrorList {
  const spec = svc.spec;
  if (!spec) return [required(specPath, '')];
  const errs: ErrorList = [];
  errs.push(...validateEnum(spec.type, serviceTypes, specPath.child('type')));
  validatePorts(spec, errs);
  validateClusterIP(spec, errs);
  validateIPFamilies(spec, errs);
  errs.push(...validateLabels(spec.selector, specPath.child('selector')));

  if (spec.type === 'ExternalName') {
    const name = spec.externalName.replace(/\.$/, '');
    if (spec.externalName === '') errs.push(required(specPath.child('externalName'), ''));
    else errs.push(...validateDnsSubdomain(name, specPath.child('externalName')));
  }

  errs.push(...validateEnum(spec.sessionAffinity, sessionAffinities, specPath.child('sessionAffinity')));
  const timeout = spec.sessionAffinityConfig?.clientIp?.timeoutSeconds;
  const configPath = specPath.child('sessionAffinityConfig');
  if (spec.sessionAffinity === 'ClientIP') {
    if (timeout !== undefined) {
      errs.push(
        ...validateInRange(timeout, 1, MAX_CLIENT_IP_TIMEOUT, configPath.child('clientIP', 'timeoutSeconds')),
      );
    }
  } else if (spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig.clientIp !== undefined) {
    errs.push(forbidden(configPath, `must not be set when session affinity is ${spec.sessionAffinity}`));
  }

  spec.externalIps.forEach((ip, i) => {
    if (!isIPv4(ip))
      errs.push(invalid(specPath.child('externalIPs').index(i), ip, 'must be a valid IP address'));
  });

  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (spec.externalTrafficPolicy !== '') {
    if (!external) {
      errs.push(
        invalid(
          specPath.child('externalTrafficPolicy'),
          spec.externalTrafficPolicy,
          "may only be set when `type` is 'NodePort' or 'LoadBalancer'",
        ),
      );
    } else {
      errs.push(
        ...validateEnum(spec.externalTrafficPolicy, trafficPolicies, specPath.child('externalTrafficPolicy')),
      );
    }
  } else if (external) {
    errs.push(required(specPath.child('externalTrafficPolicy'), ''));
  }
  if (spec.internalTrafficPolicy !== undefined) {
    errs.push(
      ...validateEnum(spec.internalTrafficPolicy, trafficPolicies, specPath.child('internalTrafficPolicy')),
    );
  }
  if (
    spec.healthCheckNodePort !== 0 &&
    !(spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local')
  ) {
    errs.push(
      invalid(
        specPath.child('healthCheckNodePort'),
        spec.healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  }
  if (spec.type !== 'LoadBalancer') {
    if (spec.loadBalancerSourceRanges.length > 0) {
      errs.push(
        forbidden(
          specPath.child('loadBalancerSourceRanges'),
          "may only be used when `type` is 'LoadBalancer'",
        ),
      );
    }
    if (spec.loadBalancerClass !== undefined) {
      errs.push(
        forbidden(specPath.child('loadBalancerClass'), "may only be used when `type` is 'LoadBalancer'"),
      );
    }
    if (spec.allocateLoadBalancerNodePorts !== undefined) {
      errs.push(
        forbidden(
          specPath.child('allocateLoadBalancerNodePorts'),
          "may only be used when `type` is 'LoadBalancer'",
        ),
      );
    }
  }
  if (spec.trafficDistribution !== undefined) {
    errs.push(
      ...validateEnum(spec.trafficDistribution, ['PreferClose'], specPath.child('trafficDistribution')),
    );
  }
  return errs;
}

function validateServiceUpdate(svc: Service, old: Service): ErrorList {
  const errs = validateService(svc);
  const spec = svc.spec;
  const was = old.spec;
  // The cluster IP stays for the Service's life, unless it stops or starts being an ExternalName.
  if (spec && was && spec.type !== 'ExternalName' && was.type !== 'ExternalName' && was.clusterIp !== '') {
    if (spec.clusterIp !== was.clusterIp) {
      errs.push(invalid(specPath.child('clusterIPs').index(0), spec.clusterIp, 'may not change once set'));
    }
  }
  if (
    was?.loadBalancerClass !== undefined &&
    was.type === 'LoadBalancer' &&
    spec?.type === 'LoadBalancer' &&
    spec.loadBalancerClass !== was.loadBalancerClass
  ) {
    errs.push(
      invalid(specPath.child('loadBalancerClass'), spec.loadBalancerClass ?? null, 'may not change once set'),
    );
  }
  return errs;
}

/**
 * What an update that leaves allocated values out keeps of them (Kubernetes'
 * patchAllocatedValues): `kubectl apply` or `replace` of a manifest without clusterIP or
 * nodePort keeps the Service's own rather than asking for new ones.
 */
function keepAllocated(svc: Service, old: Service): void {
  const spec = svc.spec;
  const was = old.spec;
  if (!spec || !was) return;
  if (
    needsClusterIP(was) &&
    spec.type !== 'ExternalName' &&
    spec.clusterIp === '' &&
    spec.clusterIps.length === 0
  ) {
    spec.clusterIp = was.clusterIp;
    spec.clusterIps = [...was.clusterIps];
  }
  if (needsNodePorts(was) && needsNodePorts(spec)) {
    for (const port of spec.ports) {
      if (port.nodePort !== 0) continue;
      const same = was.ports.find((p) => p.port === port.port && p.protocol === port.protocol);
      if (same) port.nodePort = same.nodePort;
    }
    if (spec.healthCheckNodePort === 0 && spec.externalTrafficPolicy === 'Local') {
      spec.healthCheckNodePort = was.healthCheckNodePort;
    }
  }
}

/**
 * What a change of type leaves behind that the new type may not have, cleared when the
 * update left it as it was (Kubernetes' dropTypeDependentFields): a NodePort Service
 * turned ClusterIP loses its node ports and external traffic policy, one turned
 * ExternalName its cluster IP. A value the update set on purpose stays, to be refused.
 */
function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec;
  const was = old.spec;
  if (!spec || !was || spec.type === was.type) return;
  if (needsClusterIP(was) && spec.type === 'ExternalName' && spec.clusterIp === was.clusterIp) {
    spec.clusterIp = '';
    spec.clusterIps = [];
    spec.ipFamilies = [];
    spec.ipFamilyPolicy = undefined;
    spec.internalTrafficPolicy = undefined;
  }
  if (needsNodePorts(was) && !needsNodePorts(spec)) {
    for (const port of spec.ports) {
      const same = was.ports.find((p) => p.port === port.port && p.protocol === port.protocol);
      if (same && same.nodePort === port.nodePort) port.nodePort = 0;
    }
  }
  const external = (t: string) => t === 'NodePort' || t === 'LoadBalancer';
  if (
    external(was.type) &&
    !external(spec.type) &&
    spec.externalTrafficPolicy === was.externalTrafficPolicy
  ) {
    spec.externalTrafficPolicy = '';
  }
  if (was.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.healthCheckNodePort === was.healthCheckNodePort) spec.healthCheckNodePort = 0;
    if (spec.allocateLoadBalancerNodePorts === was.allocateLoadBalancerNodePorts) {
      spec.allocateLoadBalancerNodePorts = undefined;
    }
    if (spec.loadBalancerClass === was.loadBalancerClass) spec.loadBalancerClass = undefined;
  }
}

function validateStatus(svc: Service): ErrorList {
  const errs: ErrorList = [];
  const path = FieldPath.of('status', 'loadBalancer', 'ingress');
  svc.status?.loadBalancer?.ingress.forEach((ing, i) => {
    if (ing.ip !== '' && !isIPv4(ing.ip))
      errs.push(invalid(path.index(i).child('ip'), ing.ip, 'must be a valid IP address'));
    if (ing.ipMode !== undefined)
      errs.push(...validateEnum(ing.ipMode, ['VIP', 'Proxy'], path.index(i).child('ipMode')));
  });
  return errs;
}

export function serviceStrategy(): Strategy<Service> {
  return {
    info: infoOf('Service'),
    nameRule: 'dns1035-label',
    allowUnconditionalUpdate: true,
    applyDefaults: applyServiceDefaults,
    prepareForCreate(svc) {
      svc.status = undefined;
    },
    validate: validateService,
    prepareForUpdate(svc, old) {
      keepStatus(svc, old);
      keepAllocated(svc, old);
      dropTypeDependentFields(svc, old);
      // Defaults again: the kept values complete clusterIPs and clusterIP.
      applyServiceDefaults(svc);
    },
    validateUpdate: validateServiceUpdate,
    status: statusStrategy<Service>((svc) => validateStatus(svc)),
  };
}
