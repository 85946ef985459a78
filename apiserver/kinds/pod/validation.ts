/**
 * Pod validation (pkg/apis/core/validation: ValidatePodSpec, ValidatePodUpdate,
 * ValidatePodStatusUpdate). The spec rules are shared with the Pod templates
 * of ReplicaSets and Deployments.
 */
import type { Pod, PodSpec, PodStatus } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Toleration } from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { type ErrorList, forbidden, invalid, notFound, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { validateLabels } from '../../validation/labels.js';
import { validateDnsLabel, validateDnsSubdomain, validateQualifiedName } from '../../validation/names.js';
import { validateNonNegative } from '../../validation/values.js';
import { diffPaths } from '../shared/compare.js';
import { validateContainers } from '../shared/container-validation.js';
import { parseQuantityAt } from '../shared/resources.js';
import { parseInt64, validateEnum, validateInRange } from '../shared/rules.js';
import {
  validateAffinity,
  validateTolerations,
  validateTopologySpreadConstraints,
} from '../shared/scheduling-validation.js';
import { validatePodSecurityContext } from '../shared/security-context-validation.js';
import { validateVolumes } from '../shared/volume-validation.js';

export const restartPolicies = ['Always', 'OnFailure', 'Never'];
export const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
export const podPhases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const conditionStatuses = ['True', 'False', 'Unknown'];
const maxInt32 = 2147483647;

function validateDns(spec: PodSpec, path: FieldPath): ErrorList {
  const errs = validateEnum(spec.dnsPolicy, dnsPolicies, path.child('dnsPolicy'));
  const config = spec.dnsConfig;
  if (spec.dnsPolicy === 'None' && (config === undefined || config.nameservers.length === 0)) {
    errs.push(
      required(
        path.child('dnsConfig', 'nameservers'),
        'must provide at least one DNS nameserver when DNS policy is None',
      ),
    );
  }
  if (config) {
    if (config.nameservers.length > 3) {
      errs.push(
        invalid(
          path.child('dnsConfig', 'nameservers'),
          config.nameservers,
          'must not have more than 3 nameservers',
        ),
      );
    }
    config.nameservers.forEach((ns, i) => {
      if (!isIp(ns))
        errs.push(invalid(path.child('dnsConfig', 'nameservers').index(i), ns, 'must be a valid IP address'));
    });
    config.options.forEach((o, i) => {
      if (o.name === '')
        errs.push(required(path.child('dnsConfig', 'options').index(i).child('name'), 'must not be empty'));
    });
  }
  return errs;
}

/** IPv4 dotted quads or IPv6 (loosely: hex groups and colons). */
export function isIp(value: string): boolean {
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  return (
    v4.test(value) || (/^[0-9a-fA-F:.]+$/.test(value) && value.includes(':') && value.split('::').length <= 2)
  );
}

function validateInt64Field(
  value: string | undefined,
  path: FieldPath,
  check: (n: bigint, path: FieldPath) => ErrorList,
): ErrorList {
  if (value === undefined) return [];
  const parsed = parseInt64(value, path);
  return parsed.value === undefined ? parsed.errors : check(parsed.value, path);
}

/** Every rule of a Pod spec, at `path` (`spec`, or `spec.template.spec` in a workload). */
export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath): ErrorList {
  if (!spec) return [required(path, '')];
  const errs: ErrorList = [];
  const volumes = validateVolumes(spec.volumes, path.child('volumes'), errs);
  errs.push(...validateContainers(spec.initContainers, spec.containers, volumes, spec.hostNetwork, path));
  errs.push(...validateEnum(spec.restartPolicy, restartPolicies, path.child('restartPolicy')));
  errs.push(...validateDns(spec, path));
  errs.push(...validateLabels(spec.nodeSelector, path.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(spec.securityContext, path.child('securityContext')));
  errs.push(...validateTolerations(spec.tolerations, path.child('tolerations')));
  errs.push(...validateAffinity(spec.affinity, path.child('affinity')));
  errs.push(
    ...validateTopologySpreadConstraints(
      spec.topologySpreadConstraints,
      path.child('topologySpreadConstraints'),
    ),
  );
  errs.push(
    ...validateInt64Field(
      spec.terminationGracePeriodSeconds,
      path.child('terminationGracePeriodSeconds'),
      validateNonNegative,
    ),
    ...validateInt64Field(spec.activeDeadlineSeconds, path.child('activeDeadlineSeconds'), (n, p) =>
      validateInRange(n, 1, maxInt32, p),
    ),
  );
  if (spec.serviceAccountName !== '')
    errs.push(...validateDnsSubdomain(spec.serviceAccountName, path.child('serviceAccountName')));
  if (spec.nodeName !== '') errs.push(...validateDnsSubdomain(spec.nodeName, path.child('nodeName')));
  if (spec.hostname !== '') errs.push(...validateDnsLabel(spec.hostname, path.child('hostname')));
  if (spec.subdomain !== '') errs.push(...validateDnsLabel(spec.subdomain, path.child('subdomain')));
  if (spec.priorityClassName !== '')
    errs.push(...validateDnsSubdomain(spec.priorityClassName, path.child('priorityClassName')));
  if (spec.schedulerName !== '')
    errs.push(...validateDnsSubdomain(spec.schedulerName, path.child('schedulerName')));
  errs.push(
    ...validateEnum(
      spec.preemptionPolicy,
      ['PreemptLowerPriority', 'Never'],
      path.child('preemptionPolicy'),
      { optional: true },
    ),
  );
  spec.imagePullSecrets.forEach((s, i) => {
    if (s.name === '') errs.push(required(path.child('imagePullSecrets').index(i).child('name'), ''));
  });
  spec.hostAliases.forEach((a, i) => {
    const aPath = path.child('hostAliases').index(i);
    if (!isIp(a.ip)) errs.push(invalid(aPath.child('ip'), a.ip, 'must be a valid IP address'));
    a.hostnames.forEach((h, j) => {
      errs.push(...validateDnsSubdomain(h, aPath.child('hostnames').index(j)));
    });
  });
  spec.readinessGates.forEach((g, i) => {
    errs.push(
      ...validateQualifiedName(g.conditionType, path.child('readinessGates').index(i).child('conditionType')),
    );
  });
  const gates = new Set<string>();
  spec.schedulingGates.forEach((g, i) => {
    const gPath = path.child('schedulingGates').index(i).child('name');
    errs.push(...validateQualifiedName(g.name, gPath));
    if (gates.has(g.name)) errs.push(invalid(gPath, g.name, 'must be unique'));
    gates.add(g.name);
  });
  if (spec.os) errs.push(...validateEnum(spec.os.name, ['linux', 'windows'], path.child('os', 'name')));
  for (const [name, value] of Object.entries(spec.overhead))
    parseQuantityAt(value, path.child('overhead').key(name), errs);
  return errs;
}

/** The fields a Pod update may change, in Kubernetes' words. */
const mutablePodFields =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,' +
  '`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds`';

function sameToleration(a: Toleration, b: Toleration): boolean {
  return a.key === b.key && a.operator === b.operator && a.value === b.value && a.effect === b.effect;
}

/**
 * A running Pod's spec is fixed but for images, a shorter deadline, more
 * tolerations and the grace period: anything else would need new containers,
 * which is a new Pod. The node is set once, by binding.
 */
export function validatePodSpecUpdate(
  spec: PodSpec | undefined,
  old: PodSpec | undefined,
  path: FieldPath,
): ErrorList {
  if (!spec || !old) return [];
  const errs: ErrorList = [];
  // Compare with the allowed changes undone: what is left differs only where it may not.
  const undoImages = (list: PodSpec['containers'], oldList: PodSpec['containers']) =>
    list.map((c, i) => ({ ...c, image: oldList[i]?.image ?? c.image }));
  const comparable: PodSpec = {
    ...spec,
    containers: undoImages(spec.containers, old.containers),
    initContainers: undoImages(spec.initContainers, old.initContainers),
    activeDeadlineSeconds: old.activeDeadlineSeconds,
    tolerations: old.tolerations,
    terminationGracePeriodSeconds: old.terminationGracePeriodSeconds,
  };
  const changed = diffPaths(comparable, old, path.toString());
  if (changed.length > 0) {
    const shown = changed.slice(0, 5).join(', ') + (changed.length > 5 ? ', ...' : '');
    errs.push(
      forbidden(path, `pod updates may not change fields other than ${mutablePodFields}; changed: ${shown}`),
    );
  }
  const deadlinePath = path.child('activeDeadlineSeconds');
  if (old.activeDeadlineSeconds !== undefined) {
    if (spec.activeDeadlineSeconds === undefined) {
      errs.push(invalid(deadlinePath, null, 'must not update from a positive integer to nil value'));
    } else if (BigInt(spec.activeDeadlineSeconds) > BigInt(old.activeDeadlineSeconds)) {
      errs.push(
        invalid(deadlinePath, spec.activeDeadlineSeconds, 'must be less than or equal to previous value'),
      );
    }
  }
  for (const t of old.tolerations) {
    if (!spec.tolerations.some((n) => sameToleration(n, t))) {
      errs.push(
        forbidden(
          path.child('tolerations'),
          'existing toleration can not be modified except its tolerationSeconds',
        ),
      );
      break;
    }
  }
  return errs;
}

export function validatePodStatus(
  status: PodStatus | undefined,
  spec: PodSpec | undefined,
  path: FieldPath,
): ErrorList {
  if (!status) return [];
  const errs = validateEnum(status.phase, podPhases, path.child('phase'), { optional: true });
  status.conditions.forEach((c, i) => {
    const cPath = path.child('conditions').index(i);
    if (c.type === '') errs.push(required(cPath.child('type'), ''));
    errs.push(...validateEnum(c.status, conditionStatuses, cPath.child('status')));
  });
  if (status.podIp !== '' && !isIp(status.podIp))
    errs.push(invalid(path.child('podIP'), status.podIp, 'must be a valid IP address'));
  if (status.hostIp !== '' && !isIp(status.hostIp))
    errs.push(invalid(path.child('hostIP'), status.hostIp, 'must be a valid IP address'));
  status.podIps.forEach((ip, i) => {
    if (!isIp(ip.ip))
      errs.push(invalid(path.child('podIPs').index(i).child('ip'), ip.ip, 'must be a valid IP address'));
  });
  if (status.podIps.length > 0 && status.podIps[0]?.ip !== status.podIp) {
    errs.push(invalid(path.child('podIPs').index(0).child('ip'), status.podIps[0]?.ip, 'must match `podIP`'));
  }
  const lists = [
    ['containerStatuses', status.containerStatuses, spec?.containers ?? []],
    ['initContainerStatuses', status.initContainerStatuses, spec?.initContainers ?? []],
  ] as const;
  for (const [field, statuses, containers] of lists) {
    statuses.forEach((s, i) => {
      const sPath = path.child(field).index(i);
      if (!containers.some((c) => c.name === s.name)) errs.push(notFound(sPath.child('name'), s.name));
      errs.push(...validateNonNegative(s.restartCount, sPath.child('restartCount')));
    });
  }
  return errs;
}

/** Status updates may not leave a terminal phase: a finished Pod stays finished. */
export function validatePodStatusUpdate(pod: Pod, old: Pod, path: FieldPath): ErrorList {
  const errs = validatePodStatus(pod.status, pod.spec, path);
  const oldPhase = old.status?.phase ?? '';
  const phase = pod.status?.phase ?? '';
  if ((oldPhase === 'Succeeded' || oldPhase === 'Failed') && phase !== oldPhase) {
    errs.push(
      forbidden(path.child('phase'), `cannot transition from terminal phase ${oldPhase} to ${phase || '""'}`),
    );
  }
  return errs;
}
