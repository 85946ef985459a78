/**
 * What the failure tests keep running while they kill processes: a writer of
 * ConfigMaps that records what was acknowledged, and a watch of them that resumes
 * from the last resourceVersion it saw (through whichever apiserver answers) and
 * records every event, so that a test can tell a lost write, a gap or a duplicate.
 */
import type { Clientset } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { WatchEventType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';

export interface Writer {
  /** Names and resourceVersions of the creates the apiserver acknowledged. */
  readonly acknowledged: { name: string; resourceVersion: string; at: number }[];
  /** Creates that failed (in flight at a kill, or refused while the store was unavailable). */
  readonly failed: { name: string; code: number; at: number }[];
  /** The longest time between two acknowledged writes since `since` (ms). */
  longestPause(since: number): number;
  stop(): Promise<void>;
}

/** Creates ConfigMaps `w-<i>` in `namespace` one after another until stopped. */
export function startWriter(clients: Clientset, namespace: string): Writer {
  const acknowledged: Writer['acknowledged'] = [];
  const failed: Writer['failed'] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const name = `w-${i}`;
      try {
        const cm = await clients
          .kind<ConfigMap>('ConfigMap')
          .create(ConfigMap.fromPartial({ metadata: { name, namespace }, data: { i: String(i) } }));
        acknowledged.push({ name, resourceVersion: cm.metadata?.resourceVersion ?? '', at: Date.now() });
      } catch (err) {
        failed.push({ name, code: err instanceof ApiError ? err.code : Code.UNKNOWN, at: Date.now() });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  return {
    acknowledged,
    failed,
    longestPause(since) {
      let last = since;
      let longest = 0;
      for (const { at } of acknowledged) {
        if (at < since) continue;
        longest = Math.max(longest, at - last);
        last = at;
      }
      return Math.max(longest, Date.now() - last);
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

export interface Watcher {
  /** Every ADDED event's object name, in the order received. */
  readonly added: string[];
  /** Problems: revisions that went backwards, resumes refused. */
  readonly problems: string[];
  /** How many times the watch broke and was resumed. */
  resumes(): number;
  stop(): Promise<void>;
}

/** Watches ConfigMaps of `namespace` from `resourceVersion`, resuming after each break. */
export function startWatcher(clients: Clientset, namespace: string, resourceVersion: string): Watcher {
  const added: string[] = [];
  const problems: string[] = [];
  const stop = new AbortController();
  let last = resourceVersion;
  let resumes = 0;
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        for await (const e of clients
          .kind<ConfigMap>('ConfigMap')
          .watch(namespace, { resourceVersion: last, allowWatchBookmarks: true }, stop.signal)) {
          const rv = e.object?.metadata?.resourceVersion ?? '';
          if (rv !== '' && Number(rv) < Number(last))
            problems.push(`revision went back from ${last} to ${rv}`);
          if (e.type === WatchEventType.WATCH_EVENT_TYPE_ADDED) added.push(e.object?.metadata?.name ?? '');
          if (rv !== '') last = rv;
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        if (err instanceof ApiError && err.code === Code.OUT_OF_RANGE) {
          problems.push(`resume from ${last} refused: ${err.message}`);
          return;
        }
      }
      if (stop.signal.aborted) return;
      resumes++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    added,
    problems,
    resumes: () => resumes,
    async stop() {
      stop.abort();
      await loop;
    },
  };
}
