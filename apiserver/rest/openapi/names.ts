/**
 * The names Kubernetes gives the schemas of its API (`io.k8s.api.core.v1.Pod`,
 * `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`), for the Protobuf messages that
 * model them. Clients look schemas up by these names (kubectl explain, client-side
 * validation, generated clients), so they must match Kubernetes' exactly.
 */
import { type KindInfo, protoTypeOf } from '../../../sdk/kinds.js';

const metaV1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Messages that Kubernetes defines in another package than the one Wheelhouse puts them in. */
const renamed: Readonly<Record<string, string>> = {
  'wheelhouse.meta.v1.IntOrString': 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  'wheelhouse.meta.v1.ObjectReference': 'io.k8s.api.core.v1.ObjectReference',
  'google.protobuf.Timestamp': `${metaV1}.Time`,
  'google.protobuf.Duration': `${metaV1}.Duration`,
  'google.protobuf.Struct': 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'wheelhouse.apps.v1.PersistentVolumeClaim': 'io.k8s.api.core.v1.PersistentVolumeClaim',
  'wheelhouse.apps.v1.PersistentVolumeClaimSpec': 'io.k8s.api.core.v1.PersistentVolumeClaimSpec',
  'wheelhouse.apps.v1.PersistentVolumeClaimStatus': 'io.k8s.api.core.v1.PersistentVolumeClaimStatus',
  'wheelhouse.apps.v1.VolumeResourceRequirements': 'io.k8s.api.core.v1.VolumeResourceRequirements',
  'wheelhouse.apps.v1.TypedLocalObjectReference': 'io.k8s.api.core.v1.TypedLocalObjectReference',
  'wheelhouse.apps.v1.TypedObjectReference': 'io.k8s.api.core.v1.TypedObjectReference',
  'wheelhouse.apps.v1.Scale': 'io.k8s.api.autoscaling.v1.Scale',
  'wheelhouse.core.v1.TokenRequest': 'io.k8s.api.authentication.v1.TokenRequest',
  'wheelhouse.core.v1.TokenRequestSpec': 'io.k8s.api.authentication.v1.TokenRequestSpec',
  'wheelhouse.core.v1.TokenRequestStatus': 'io.k8s.api.authentication.v1.TokenRequestStatus',
  'wheelhouse.core.v1.BoundObjectReference': 'io.k8s.api.authentication.v1.BoundObjectReference',
  'wheelhouse.apps.v1.ScaleSpec': 'io.k8s.api.autoscaling.v1.ScaleSpec',
  'wheelhouse.apps.v1.ScaleStatus': 'io.k8s.api.autoscaling.v1.ScaleStatus',
};

/** The schema name of a fully qualified Protobuf message name. */
export function definitionName(typeName: string): string {
  const name = renamed[typeName];
  if (name) return name;
  const match = /^wheelhouse\.([a-z]+)\.(v[0-9a-z]+)\.(.+)$/.exec(typeName);
  if (!match) return typeName;
  const [, group, version, message] = match;
  if (group === 'meta') return `${metaV1}.${message}`;
  return `io.k8s.api.${group}.${version}.${message}`;
}

/** The schema name of a kind's list (`io.k8s.api.core.v1.PodList`). */
export function listDefinitionName(info: KindInfo): string {
  return `${definitionName(protoTypeOf(info))}List`;
}

/** Kubernetes' quantities and int-or-strings, which are messages of their own there. */
export const quantityName = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const intOrStringName = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const timeName = `${metaV1}.Time`;
export const listMetaName = `${metaV1}.ListMeta`;
export const statusName = `${metaV1}.Status`;
export const deleteOptionsName = `${metaV1}.DeleteOptions`;
export const patchName = `${metaV1}.Patch`;
export const watchEventName = `${metaV1}.WatchEvent`;

/** A group-version's path in the `/openapi/v3` index: `api/v1`, `apis/apps/v1`. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/**
 * The word Kubernetes' operation ids and tags use for a group: `Core`, `Apps`,
 * `RbacAuthorization` (rbac.authorization.k8s.io), `Scheduling` (scheduling.k8s.io).
 */
export function groupWord(group: string): string {
  if (group === '') return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
