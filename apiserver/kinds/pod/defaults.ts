/**
 * Pod defaulting, as Kubernetes' scheme defaults (pkg/apis/core/v1/defaults.go)
 * plus the service account name its admission fills in for every Pod. Used for Pods
 * and for the Pod templates of the workload kinds, so that a template stored is the
 * Pod it makes. Priority and preemption policy are left to the Priority admission
 * plugin: it refuses a Pod whose priority disagrees with its class, so a default here
 * would refuse every Pod of a class.
 */
import type {
  Container,
  HTTPGetAction,
  Probe,
  ResourceRequirements,
} from '../../../sdk/gen/wheelhouse/core/v1/container.js';
import type { PodSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { PodSecurityContext } from '../../../sdk/gen/wheelhouse/core/v1/security_context.js';
import type { Volume } from '../../../sdk/gen/wheelhouse/core/v1/volume.js';

/** File mode 0644: the default of secret, configMap, downwardAPI and projected volumes. */
export const defaultVolumeMode = 0o644;
export const defaultSchedulerName = 'default-scheduler';
export const defaultTerminationGracePeriodSeconds = '30';
export const defaultTerminationMessagePath = '/dev/termination-log';

/** `Always` for `:latest` or untagged images (they may move), `IfNotPresent` for pinned ones. */
export function defaultImagePullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  // A tag follows the last ':' after the last '/', so a registry port is not a tag.
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  const tag = colon === -1 ? '' : lastPart.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHttpGet(action: HTTPGetAction | undefined): void {
  if (!action) return;
  if (action.path === '') action.path = '/';
  if (action.scheme === '') action.scheme = 'HTTP';
}

function defaultProbe(probe: Probe | undefined): void {
  if (!probe) return;
  // Proto3 scalars read 0 when absent; 0 is never valid for these, so 0 means "unset".
  if (probe.timeoutSeconds === 0) probe.timeoutSeconds = 1;
  if (probe.periodSeconds === 0) probe.periodSeconds = 10;
  if (probe.successThreshold === 0) probe.successThreshold = 1;
  if (probe.failureThreshold === 0) probe.failureThreshold = 3;
  defaultHttpGet(probe.httpGet);
}

/** A resource that has a limit but no request is requested at its limit. */
function defaultResources(resources: ResourceRequirements | undefined): void {
  if (!resources) return;
  for (const [name, limit] of Object.entries(resources.limits)) {
    if (!Object.hasOwn(resources.requests, name)) resources.requests[name] = limit;
  }
}

export function defaultContainer(container: Container, hostNetwork: boolean): void {
  if (container.imagePullPolicy === '') container.imagePullPolicy = defaultImagePullPolicy(container.image);
  if (container.terminationMessagePath === '')
    container.terminationMessagePath = defaultTerminationMessagePath;
  if (container.terminationMessagePolicy === '') container.terminationMessagePolicy = 'File';
  for (const port of container.ports) {
    if (port.protocol === '') port.protocol = 'TCP';
    // On the host's network the container's port is the host's port.
    if (hostNetwork && port.hostPort === 0) port.hostPort = port.containerPort;
  }
  for (const env of container.env) {
    if (env.valueFrom?.fieldRef && env.valueFrom.fieldRef.apiVersion === '')
      env.valueFrom.fieldRef.apiVersion = 'v1';
  }
  defaultResources(container.resources);
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
  defaultHttpGet(container.lifecycle?.postStart?.httpGet);
  defaultHttpGet(container.lifecycle?.preStop?.httpGet);
}

function defaultVolume(volume: Volume): void {
  if (volume.secret && volume.secret.defaultMode === undefined) volume.secret.defaultMode = defaultVolumeMode;
  if (volume.configMap && volume.configMap.defaultMode === undefined) {
    volume.configMap.defaultMode = defaultVolumeMode;
  }
  if (volume.downwardApi) {
    if (volume.downwardApi.defaultMode === undefined) volume.downwardApi.defaultMode = defaultVolumeMode;
    for (const item of volume.downwardApi.items) {
      if (item.fieldRef && item.fieldRef.apiVersion === '') item.fieldRef.apiVersion = 'v1';
    }
  }
  if (volume.projected) {
    if (volume.projected.defaultMode === undefined) volume.projected.defaultMode = defaultVolumeMode;
    for (const source of volume.projected.sources) {
      const token = source.serviceAccountToken;
      if (token && token.expirationSeconds === undefined) token.expirationSeconds = '3600';
    }
  }
}

export function defaultPodSpec(spec: PodSpec): void {
  if (spec.restartPolicy === '') spec.restartPolicy = 'Always';
  if (spec.dnsPolicy === '') spec.dnsPolicy = 'ClusterFirst';
  if (spec.schedulerName === '') spec.schedulerName = defaultSchedulerName;
  if (spec.terminationGracePeriodSeconds === undefined) {
    spec.terminationGracePeriodSeconds = defaultTerminationGracePeriodSeconds;
  }
  // serviceAccount is the deprecated spelling: either one names the account, and both are kept equal.
  if (spec.serviceAccountName === '') spec.serviceAccountName = spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
  if (spec.securityContext === undefined) {
    spec.securityContext = PodSecurityContext.create();
  }
  for (const c of spec.initContainers) defaultContainer(c, spec.hostNetwork);
  for (const c of spec.containers) defaultContainer(c, spec.hostNetwork);
  for (const v of spec.volumes) defaultVolume(v);
}
