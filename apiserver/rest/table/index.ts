/**
 * Server-side tables (`meta.k8s.io/v1` Table): what `kubectl get` prints, computed by the
 * apiserver when a client asks for `application/json;as=Table;v=v1;g=meta.k8s.io`. The
 * columns and cells are the kind's printer in sdk/printers (the same whctl prints); every
 * column is served, `-o wide` ones with priority 1, and the client picks what it shows.
 */

import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { JsonObject } from '../../../sdk/manifest/index.js';
import { printerFor } from '../../../sdk/printers/index.js';
import { encodeRestObject } from '../codec.js';
import type { ServedVersion } from '../versions/served-versions.js';

export interface TableOptions {
  /** `includeObject`: None, Metadata (the default) or Object, as the Table's rows carry them. */
  readonly includeObject: 'None' | 'Metadata' | 'Object';
  /** Leave out the column definitions (`?noHeaders`, or watch events after the first). */
  readonly noHeaders?: boolean;
  /** The list's metadata (resourceVersion, continue) when the table is of a list. */
  readonly listMeta?: JsonObject;
  /** The time AGE is measured from. */
  readonly now?: Date;
  /** The version the rows' objects are written in, when not the kind's own. */
  readonly view?: ServedVersion;
}

/**
 * A Table of `objects` of one kind with the kind's columns. Its metadata is the
 * list's when given, else the resourceVersion of a single object, as Kubernetes'
 * table convertor sets it.
 */
export function tableOf(info: KindInfo, objects: readonly KindObject[], options: TableOptions): JsonObject {
  const now = options.now ?? new Date();
  const printer = printerFor(info);
  const single = objects.length === 1 ? objects[0]?.metadata?.resourceVersion : undefined;
  const metadata = options.listMeta ?? (single ? { resourceVersion: single } : {});
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    ...(options.noHeaders
      ? {}
      : {
          columnDefinitions: printer.columns.map((c) => ({
            name: c.name,
            type: c.type,
            format: c.format,
            description: c.description,
            priority: c.priority,
          })),
        }),
    rows: objects.map((o) => {
      const conditions = printer.conditions?.(o) ?? [];
      return {
        cells: printer.cells(o, now),
        ...(conditions.length > 0 ? { conditions: conditions.map((c) => ({ ...c })) } : {}),
        object: rowObject(info, o, options),
      };
    }),
  };
}

/** What a row carries of its object: nothing, its metadata (PartialObjectMetadata), or all of it. */
function rowObject(info: KindInfo, o: KindObject, options: TableOptions): JsonObject | null {
  if (options.includeObject === 'None') return null;
  const encoded = encodeRestObject(info, o, options.view);
  if (options.includeObject === 'Object') return encoded;
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: encoded.metadata ?? {},
  };
}
