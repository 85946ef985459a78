/**
 * What a StatefulSet's ControllerRevision records (Kubernetes' getPatch/ApplyRevision):
 * a patch that replaces `spec.template`, so applying a revision to the set gives the
 * set as it was at that revision — the template its pods of that revision are made from.
 */
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { StatefulSet } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import { PodTemplateSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { newControllerRevision, type RevisionData } from '../shared/controller-history.js';

/** Kubernetes' strategic-merge directive: the template in the patch replaces the set's whole. */
const PATCH_DIRECTIVE = '$patch';

/** The revision data of the set's current template. */
export function revisionData(set: StatefulSet): RevisionData {
  const template = PodTemplateSpec.toJSON(PodTemplateSpec.fromPartial(set.spec?.template ?? {})) as Record<
    string,
    unknown
  >;
  return { spec: { template: { ...template, [PATCH_DIRECTIVE]: 'replace' } } };
}

/** A new revision (numbered `revision`) of the set's current template; not yet created. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const cr = newControllerRevision(
    set,
    set.spec?.template?.metadata?.labels ?? {},
    revisionData(set),
    revision,
    collisionCount,
  );
  if (cr.metadata) cr.metadata.annotations = { ...set.metadata?.annotations };
  return cr;
}

/** The pod template a revision records. */
export function templateOf(revision: ControllerRevision): PodTemplateSpec {
  const spec = (revision.data?.spec ?? {}) as { template?: Record<string, unknown> };
  const { [PATCH_DIRECTIVE]: _directive, ...template } = spec.template ?? {};
  return PodTemplateSpec.fromJSON(template);
}
