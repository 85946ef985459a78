/**
 * A ListerWatcher for one kind through the dynamic client: its namespace ('' for all)
 * and selectors are applied by the apiserver, on the list and on the watch alike. With
 * `managedFields: false` its objects come without metadata.managedFields: left out of
 * the watch's messages before they are decoded (watch-without-managed-fields.ts), and
 * cleared from listed objects once decoded.
 */
import type { ApiClient } from '../client/dynamic-client.js';
import { WatchEventType } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import type { KindInfo } from '../kinds.js';
import type { InformerWatchEvent, ListerWatcher } from './types.js';
import { clearManagedFields, watchWithoutManagedFields } from './watch-without-managed-fields.js';

export interface Selection {
  /** '' (default) for every namespace. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** `spec.nodeName=node-1`: a kubelet's pods. */
  readonly fieldSelector?: string;
  /**
   * false: objects without metadata.managedFields, for a process that never reads them
   * (most of an object's decoding and much of its memory). An update of such an object
   * keeps the stored ones: the apiserver reads an empty list as "leave them".
   * Default true.
   */
  readonly managedFields?: boolean;
}

const eventTypes: Record<number, InformerWatchEvent<KindObject>['type'] | undefined> = {
  [WatchEventType.WATCH_EVENT_TYPE_ADDED]: 'ADDED',
  [WatchEventType.WATCH_EVENT_TYPE_MODIFIED]: 'MODIFIED',
  [WatchEventType.WATCH_EVENT_TYPE_DELETED]: 'DELETED',
  [WatchEventType.WATCH_EVENT_TYPE_BOOKMARK]: 'BOOKMARK',
};

export function listWatchOf<T extends KindObject>(
  client: ApiClient,
  info: KindInfo,
  selection: Selection = {},
): ListerWatcher<T> {
  const namespace = selection.namespace ?? '';
  const selectors = {
    labelSelector: selection.labelSelector ?? '',
    fieldSelector: selection.fieldSelector ?? '',
  };
  const managedFields = selection.managedFields ?? true;
  return {
    async list({ limit, continue: token }) {
      const page = await client.list(info, namespace, {
        ...selectors,
        limit: String(limit),
        continue: token,
      });
      if (!managedFields) for (const item of page.items) clearManagedFields(item);
      return {
        items: page.items as T[],
        resourceVersion: page.metadata?.resourceVersion ?? '',
        continue: page.metadata?.continue ?? '',
      };
    },
    async *watch({ resourceVersion }, signal) {
      const options = { ...selectors, resourceVersion, allowWatchBookmarks: true };
      const messages = managedFields
        ? client.watchMessages(info, namespace, options, signal)
        : watchWithoutManagedFields(client, info, namespace, options, signal);
      for await (const events of messages) {
        const out: InformerWatchEvent<T>[] = [];
        for (const event of events) {
          const type = eventTypes[event.type];
          if (type !== undefined && event.object !== undefined) out.push({ type, object: event.object as T });
        }
        yield out;
      }
    },
  };
}
