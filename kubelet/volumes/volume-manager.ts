/**
 * Materializes a pod's volumes on the node, under `<root-dir>/pods/<uid>/volumes/`, as
 * the kubelet's volume plugins lay them out (`kubernetes.io~empty-dir/<name>`, …), and
 * answers the host path behind each container mount. emptyDir is a directory; configMap,
 * secret, downwardAPI and projected volumes are files written atomically (and rewritten
 * when their source changes, on each sync); a projected service account token is
 * requested through the API, bound to the pod, and renewed once 80% of its life is
 * over; hostPath is the node's path, checked against its `type`.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  DownwardAPIVolumeFile,
  KeyToPath,
  Volume,
  VolumeProjection,
} from '../../sdk/gen/wheelhouse/core/v1/volume.js';
import { type PodRuntimeFields, resolveFieldRef, resolveResourceFieldRef } from '../pods/field-ref.js';
import type { ObjectSource } from '../pods/object-source.js';
import { type VolumeFile, writeAtomically } from './atomic-writer.js';

/** A volume that could not be set up; its message is the FailedMount event's. */
export class MountError extends Error {}

export interface HostMount {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly readonly: boolean;
}

export interface VolumeManager {
  /** Sets up (or refreshes) every volume of the pod; returns the host path of each by name. */
  setUp(pod: Pod, fields: PodRuntimeFields): Promise<Map<string, string>>;
  /** Removes what setUp made for the pod (hostPath volumes are the node's and stay). */
  tearDown(podUid: string): void;
  /** The pod's directory, `<root-dir>/pods/<uid>`. */
  podDir(podUid: string): string;
}

const pluginDirs = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

const defaultMode = 0o644;

interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export function createVolumeManager(opts: {
  rootDir: string;
  objects: ObjectSource;
  allocatable: () => Readonly<Record<string, string>>;
  now?: () => number;
}): VolumeManager {
  const now = opts.now ?? Date.now;
  const tokens = new Map<string, CachedToken>();
  const podDir = (uid: string) => join(opts.rootDir, 'pods', uid);

  const itemsOf = (
    data: ReadonlyMap<string, Buffer>,
    items: readonly KeyToPath[],
    mode: number,
    what: string,
    optional: boolean,
  ): VolumeFile[] => {
    if (items.length === 0) return [...data].map(([path, content]) => ({ path, content, mode }));
    const out: VolumeFile[] = [];
    for (const item of items) {
      const content = data.get(item.key);
      if (content === undefined) {
        if (optional) continue;
        throw new MountError(`couldn't find key ${item.key} in ${what}`);
      }
      out.push({ path: item.path, content, mode: item.mode ?? mode });
    }
    return out;
  };

  const configMapData = async (pod: Pod, name: string, optional: boolean) => {
    const namespace = pod.metadata?.namespace ?? '';
    const cm = await opts.objects.configMap(namespace, name);
    if (!cm) {
      if (optional) return new Map<string, Buffer>();
      throw new MountError(`configmap "${name}" not found`);
    }
    return new Map<string, Buffer>([
      ...Object.entries(cm.data).map(([k, v]): [string, Buffer] => [k, Buffer.from(v, 'utf8')]),
      ...Object.entries(cm.binaryData).map(([k, v]): [string, Buffer] => [k, Buffer.from(v)]),
    ]);
  };
  const secretData = async (pod: Pod, name: string, optional: boolean) => {
    const namespace = pod.metadata?.namespace ?? '';
    const secret = await opts.objects.secret(namespace, name);
    if (!secret) {
      if (optional) return new Map<string, Buffer>();
      throw new MountError(`secret "${name}" not found`);
    }
    return new Map(Object.entries(secret.data).map(([k, v]): [string, Buffer] => [k, Buffer.from(v)]));
  };
  const downward = (
    pod: Pod,
    fields: PodRuntimeFields,
    items: readonly DownwardAPIVolumeFile[],
    mode: number,
  ): VolumeFile[] =>
    items.map((item) => {
      let text: string;
      try {
        text = item.fieldRef
          ? resolveFieldRef(pod, item.fieldRef, fields)
          : item.resourceFieldRef
            ? resolveResourceFieldRef(pod, item.resourceFieldRef, '', opts.allocatable())
            : '';
      } catch (err) {
        throw new MountError(`downwardAPI item ${item.path}: ${(err as Error).message}`);
      }
      return { path: item.path, content: Buffer.from(text, 'utf8'), mode: item.mode ?? mode };
    });

  const token = async (pod: Pod, source: NonNullable<VolumeProjection['serviceAccountToken']>) => {
    const uid = pod.metadata?.uid ?? '';
    const expirationSeconds = Number(source.expirationSeconds ?? '3600');
    const key = `${uid}/${source.audience}/${expirationSeconds}`;
    const cached = tokens.get(key);
    const t = now();
    if (cached && t < cached.issuedAt + 0.8 * (cached.expiresAt - cached.issuedAt)) return cached.token;
    const serviceAccount = pod.spec?.serviceAccountName || 'default';
    try {
      const got = await opts.objects.serviceAccountToken(pod.metadata?.namespace ?? '', serviceAccount, {
        audience: source.audience,
        expirationSeconds,
        podName: pod.metadata?.name ?? '',
        podUid: uid,
      });
      tokens.set(key, { token: got.token, issuedAt: t, expiresAt: got.expiresAt.getTime() });
      return got.token;
    } catch (err) {
      // An old token still valid is better than none while the apiserver is away.
      if (cached && t < cached.expiresAt) return cached.token;
      throw new MountError(
        `cannot request a token of service account "${serviceAccount}": ${(err as Error).message}`,
      );
    }
  };

  const projected = async (pod: Pod, fields: PodRuntimeFields, v: NonNullable<Volume['projected']>) => {
    const mode = v.defaultMode ?? defaultMode;
    const files: VolumeFile[] = [];
    for (const source of v.sources) {
      if (source.configMap) {
        const data = await configMapData(pod, source.configMap.name, source.configMap.optional === true);
        files.push(
          ...itemsOf(
            data,
            source.configMap.items,
            mode,
            `ConfigMap ${source.configMap.name}`,
            source.configMap.optional === true,
          ),
        );
      } else if (source.secret) {
        const data = await secretData(pod, source.secret.name, source.secret.optional === true);
        files.push(
          ...itemsOf(
            data,
            source.secret.items,
            mode,
            `Secret ${source.secret.name}`,
            source.secret.optional === true,
          ),
        );
      } else if (source.downwardApi) {
        files.push(...downward(pod, fields, source.downwardApi.items, mode));
      } else if (source.serviceAccountToken) {
        const path = source.serviceAccountToken.path;
        files.push({
          path,
          content: Buffer.from(await token(pod, source.serviceAccountToken)),
          mode: v.defaultMode ?? 0o600,
        });
      }
    }
    return files;
  };

  const hostPath = (v: NonNullable<Volume['hostPath']>, name: string): string => {
    const path = resolve(v.path);
    const type = v.type;
    const exists = existsSync(path);
    const kind = exists ? statSync(path) : undefined;
    switch (type) {
      case '':
        return path;
      case 'DirectoryOrCreate':
        if (!exists) mkdirSync(path, { recursive: true, mode: 0o755 });
        return path;
      case 'Directory':
        if (!kind?.isDirectory())
          throw new MountError(`hostPath type check failed: ${path} is not a directory (volume "${name}")`);
        return path;
      case 'File':
        if (!kind?.isFile())
          throw new MountError(`hostPath type check failed: ${path} is not a file (volume "${name}")`);
        return path;
      case 'FileOrCreate':
        if (!exists) {
          mkdirSync(resolve(path, '..'), { recursive: true });
          writeFileSync(path, '', { mode: 0o644, flag: 'a' });
        }
        return path;
      default:
        if (!exists) throw new MountError(`hostPath ${path} does not exist (volume "${name}", type ${type})`);
        return path;
    }
  };

  return {
    podDir,
    async setUp(pod, fields) {
      const uid = pod.metadata?.uid ?? '';
      const base = join(podDir(uid), 'volumes');
      const paths = new Map<string, string>();
      for (const v of pod.spec?.volumes ?? []) {
        const at = (plugin: keyof typeof pluginDirs) => join(base, pluginDirs[plugin], v.name);
        if (v.hostPath) {
          paths.set(v.name, hostPath(v.hostPath, v.name));
        } else if (v.emptyDir) {
          mkdirSync(at('emptyDir'), { recursive: true, mode: 0o777 });
          paths.set(v.name, at('emptyDir'));
        } else if (v.configMap) {
          const optional = v.configMap.optional === true;
          const data = await configMapData(pod, v.configMap.name, optional);
          const files = itemsOf(
            data,
            v.configMap.items,
            v.configMap.defaultMode ?? defaultMode,
            `ConfigMap ${v.configMap.name}`,
            optional,
          );
          writeAtomically(at('configMap'), files);
          paths.set(v.name, at('configMap'));
        } else if (v.secret) {
          const optional = v.secret.optional === true;
          const data = await secretData(pod, v.secret.secretName, optional);
          const files = itemsOf(
            data,
            v.secret.items,
            v.secret.defaultMode ?? defaultMode,
            `Secret ${v.secret.secretName}`,
            optional,
          );
          writeAtomically(at('secret'), files);
          paths.set(v.name, at('secret'));
        } else if (v.downwardApi) {
          writeAtomically(
            at('downwardAPI'),
            downward(pod, fields, v.downwardApi.items, v.downwardApi.defaultMode ?? defaultMode),
          );
          paths.set(v.name, at('downwardAPI'));
        } else if (v.projected) {
          writeAtomically(at('projected'), await projected(pod, fields, v.projected));
          paths.set(v.name, at('projected'));
        } else {
          throw new MountError(
            `volume "${v.name}" is of a kind this node cannot mount: use emptyDir, configMap, secret, downwardAPI, projected or hostPath`,
          );
        }
      }
      return paths;
    },
    tearDown(podUid) {
      for (const key of tokens.keys()) if (key.startsWith(`${podUid}/`)) tokens.delete(key);
      rmSync(join(podDir(podUid), 'volumes'), { recursive: true, force: true });
    },
  };
}
