/**
 * Alternate served versions: a stored kind also served at another API version of its
 * group, as a view of the stored object (HorizontalPodAutoscaler at autoscaling/v1 beside
 * the stored autoscaling/v2). Objects are stored once, in the kind's own version; the
 * router serves a request for a view through the same verbs (resources.ts), converting
 * answers with `fromStored` and request bodies with `toStored`. Discovery lists each view
 * after the stored version, which stays the preferred one.
 *
 * To add one: write its converter (one file beside this one) and a line in `servedVersions`;
 * for protobuf bodies, its messages in k8s-protobuf/schema.ts.
 */
import type { KindInfo } from '../../../sdk/kinds.js';
import type { JsonObject } from '../../../sdk/manifest/index.js';
import { horizontalPodAutoscalerV1 } from './horizontal-pod-autoscaler-v1.js';

/**
 * The fields a view has, for `fieldValidation`: `true` for a value taken whole (a scalar,
 * or metadata, which the stored kind's decoder checks), else the fields of an object.
 */
export interface ViewFields {
  readonly [field: string]: true | ViewFields;
}

/**
 * Conversion between a view's JSON and the stored kind's, both in the REST form
 * (codec.ts: encodeRestObject gives, decodeRestObject takes). Neither mutates its input.
 */
export interface VersionConverter {
  readonly fields: ViewFields;
  /** The stored object as the view shows it, `apiVersion` included. */
  fromStored(stored: JsonObject): JsonObject;
  /**
   * The stored object a write through the view makes: of `view` alone on create; on
   * update (`stored` given), `stored` with only what the view shows replaced.
   */
  toStored(view: JsonObject, stored: JsonObject | undefined): JsonObject;
}

export interface ServedVersion {
  /** The stored kind it is a view of (sdk/kinds.ts); its group and resource are the kind's. */
  readonly kind: string;
  /** The version served besides the kind's own. */
  readonly version: string;
  readonly converter: VersionConverter;
}

export const servedVersions: readonly ServedVersion[] = [
  { kind: 'HorizontalPodAutoscaler', version: 'v1', converter: horizontalPodAutoscalerV1 },
];

/** The view of `info` at `version`, or undefined when that version is not served. */
export function servedVersionOf(info: KindInfo, version: string): ServedVersion | undefined {
  return servedVersions.find((v) => v.kind === info.kind && v.version === version);
}

/** `autoscaling/v1`: the apiVersion the view's objects carry. */
export function viewApiVersion(info: KindInfo, view: ServedVersion): string {
  return info.apiGroup === '' ? view.version : `${info.apiGroup}/${view.version}`;
}
