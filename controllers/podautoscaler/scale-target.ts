/**
 * The HPA's view of its target: the scale subresource (Get<Kind>Scale and
 * Update<Kind>Scale) of the kind its scaleTargetRef names. A kind is found by its API
 * group and name in the kind table, as Kubernetes' REST mapper finds it (any version of
 * the group); only kinds with a scale subresource can be scaled.
 */
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import type { Scale } from '../../sdk/gen/wheelhouse/apps/v1/scale.js';
import type { CrossVersionObjectReference } from '../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { type KindInfo, kinds } from '../../sdk/kinds.js';

/** The kind `ref` names; an error says why there is none that can be scaled. */
export function scaleTargetKind(ref: CrossVersionObjectReference | undefined): KindInfo {
  const apiVersion = ref?.apiVersion ?? '';
  const parts = apiVersion.split('/');
  if (parts.length > 2) throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
  const group = parts.length === 2 ? (parts[0] ?? '') : '';
  const kind = ref?.kind ?? '';
  const info = kinds.find((k) => k.kind === kind && k.apiGroup === group);
  if (info === undefined) throw new Error(`no matches for kind "${kind}" in group "${group}"`);
  if (!info.scale) {
    throw new Error(
      `the server could not find the requested resource: ${info.resource}${group === '' ? '' : `.${group}`} has no scale subresource`,
    );
  }
  return info;
}

export interface ScaleClient {
  get(info: KindInfo, namespace: string, name: string): Promise<Scale>;
  /** Writes the scale; its metadata.resourceVersion guards against a concurrent change. */
  update(info: KindInfo, scale: Scale): Promise<Scale>;
}

/** The scale subresource through the kinds' services. */
export function scaleClient(api: ApiClient): ScaleClient {
  const answer = (response: Record<string, unknown>, what: string): Scale => {
    const scale = response.scale as Scale | undefined;
    if (scale === undefined) throw new Error(`the server answered ${what} without a scale`);
    return scale;
  };
  return {
    get: async (info, namespace, name) =>
      answer(await api.call(info, `get${info.kind}Scale`, { namespace, name }), `get${info.kind}Scale`),
    update: async (info, scale) =>
      answer(await api.call(info, `update${info.kind}Scale`, { scale }), `update${info.kind}Scale`),
  };
}
