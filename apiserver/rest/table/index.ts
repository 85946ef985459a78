/**
 * Server-side tables (`meta.k8s.io/v1` Table): what `kubectl get` prints, computed by the
 * apiserver when a client asks for `application/json;as=Table;v=v1;g=meta.k8s.io`.
 */

import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { JsonObject } from '../../../sdk/manifest/index.js';

export interface TableOptions {
  /** `includeObject`: None, Metadata (the default) or Object, as the Table's rows carry them. */
  readonly includeObject: 'None' | 'Metadata' | 'Object';
  /** Leave out the column definitions (watch events after the first). */
  readonly noHeaders?: boolean;
  /** The list's metadata (resourceVersion, continue) when the table is of a list. */
  readonly listMeta?: JsonObject;
  /** The time AGE is measured from. */
  readonly now?: Date;
}

/** A Table of `objects` of one kind with the kind's columns. */
export function tableOf(info: KindInfo, objects: readonly KindObject[], options: TableOptions): JsonObject {
  const now = options.now ?? new Date();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: options.listMeta ?? {},
    ...(options.noHeaders
      ? {}
      : {
          columnDefinitions: [
            { name: 'Name', type: 'string', format: 'name', description: 'Name of the object', priority: 0 },
            { name: 'Age', type: 'string', format: '', description: 'Time since creation', priority: 0 },
          ],
        }),
    rows: objects.map((o) => ({
      cells: [o.metadata?.name ?? '', ageOf(o.metadata?.creationTimestamp, now)],
      object: rowObject(info, o, options.includeObject),
    })),
  };
}

function rowObject(info: KindInfo, o: KindObject, include: TableOptions['includeObject']): JsonObject | null {
  if (include === 'None') return null;
  const apiVersion = info.apiGroup ? `${info.apiGroup}/v1` : 'v1';
  if (include === 'Object') {
    return { apiVersion, kind: info.kind, metadata: { name: o.metadata?.name ?? '' } };
  }
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      name: o.metadata?.name ?? '',
      ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
      ...(o.metadata?.resourceVersion ? { resourceVersion: o.metadata.resourceVersion } : {}),
    },
  };
}

function ageOf(created: Date | undefined, now: Date): string {
  if (!created) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - created.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
