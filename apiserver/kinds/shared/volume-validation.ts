/**
 * A Pod's volumes: unique DNS-label names, each with exactly one source whose
 * fields make sense. Returns the names for the volume mounts to refer to.
 */
import type {
  DownwardAPIVolumeFile,
  KeyToPath,
  Volume,
  VolumeProjection,
} from '../../../sdk/gen/wheelhouse/core/v1/volume.js';
import { duplicate, type ErrorList, forbidden, invalid, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { validateDnsLabel } from '../../validation/names.js';
import { parseQuantityAt } from './resources.js';
import { validateConfigKey, validateEnum, validateInRange, validateLocalDescendingPath } from './rules.js';

const sourceFields = [
  'hostPath',
  'emptyDir',
  'secret',
  'configMap',
  'persistentVolumeClaim',
  'projected',
  'downwardApi',
  'nfs',
  'csi',
] as const;

/** JSON names of the source fields, for paths (`downwardAPI`, as in manifests). */
const jsonName: Readonly<Record<(typeof sourceFields)[number], string>> = {
  hostPath: 'hostPath',
  emptyDir: 'emptyDir',
  secret: 'secret',
  configMap: 'configMap',
  persistentVolumeClaim: 'persistentVolumeClaim',
  projected: 'projected',
  downwardApi: 'downwardAPI',
  nfs: 'nfs',
  csi: 'csi',
};

const hostPathTypes = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];
const fieldRefPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.labels',
  'metadata.annotations',
  'metadata.uid',
];

function validateMode(mode: number | undefined, path: FieldPath): ErrorList {
  // 0777: the permission bits and nothing else.
  return mode === undefined ? [] : validateInRange(mode, 0, 0o777, path);
}

function validateItems(items: readonly KeyToPath[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  items.forEach((item, i) => {
    const itemPath = path.index(i);
    errs.push(...validateConfigKey(item.key, itemPath.child('key')));
    if (item.path === '') errs.push(required(itemPath.child('path'), ''));
    else errs.push(...validateLocalDescendingPath(item.path, itemPath.child('path')));
    errs.push(...validateMode(item.mode, itemPath.child('mode')));
  });
  return errs;
}

function validateDownwardApiFiles(files: readonly DownwardAPIVolumeFile[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  files.forEach((file, i) => {
    const filePath = path.index(i);
    if (file.path === '') errs.push(required(filePath.child('path'), ''));
    else errs.push(...validateLocalDescendingPath(file.path, filePath.child('path')));
    errs.push(...validateMode(file.mode, filePath.child('mode')));
    if (file.fieldRef && file.resourceFieldRef) {
      errs.push(
        invalid(filePath, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'),
      );
    } else if (file.fieldRef) {
      const fp = file.fieldRef.fieldPath.replace(/\[.*$/, '');
      errs.push(...validateEnum(fp, fieldRefPaths, filePath.child('fieldRef', 'fieldPath')));
    } else if (file.resourceFieldRef) {
      if (file.resourceFieldRef.containerName === '') {
        errs.push(required(filePath.child('resourceFieldRef', 'containerName'), ''));
      }
    } else {
      errs.push(required(filePath, 'one of fieldRef and resourceFieldRef is required'));
    }
  });
  return errs;
}

function validateProjection(source: VolumeProjection, path: FieldPath): ErrorList {
  const set = (['secret', 'configMap', 'downwardApi', 'serviceAccountToken'] as const).filter(
    (k) => source[k] !== undefined,
  );
  if (set.length === 0) return [required(path, 'must specify exactly 1 projection type')];
  const errs: ErrorList = [];
  for (const extra of set.slice(1))
    errs.push(forbidden(path.child(extra), 'may not specify more than 1 projection type'));
  if (source.secret) {
    if (source.secret.name === '') errs.push(required(path.child('secret', 'name'), ''));
    errs.push(...validateItems(source.secret.items, path.child('secret', 'items')));
  }
  if (source.configMap) {
    if (source.configMap.name === '') errs.push(required(path.child('configMap', 'name'), ''));
    errs.push(...validateItems(source.configMap.items, path.child('configMap', 'items')));
  }
  if (source.downwardApi) {
    errs.push(...validateDownwardApiFiles(source.downwardApi.items, path.child('downwardAPI', 'items')));
  }
  const token = source.serviceAccountToken;
  if (token) {
    const tokenPath = path.child('serviceAccountToken');
    if (token.path === '') errs.push(required(tokenPath.child('path'), ''));
    else errs.push(...validateLocalDescendingPath(token.path, tokenPath.child('path')));
    const seconds = Number(token.expirationSeconds ?? '3600');
    if (!Number.isInteger(seconds) || seconds < 600) {
      errs.push(
        invalid(
          tokenPath.child('expirationSeconds'),
          token.expirationSeconds,
          'may not specify a duration less than 10 minutes',
        ),
      );
    } else if (seconds > 2 ** 32) {
      errs.push(
        invalid(
          tokenPath.child('expirationSeconds'),
          token.expirationSeconds,
          'may not specify a duration larger than 2^32 seconds',
        ),
      );
    }
  }
  return errs;
}

function validateSource(volume: Volume, path: FieldPath): ErrorList {
  const set = sourceFields.filter((k) => volume[k] !== undefined);
  if (set.length === 0) return [required(path, 'must specify a volume type')];
  const errs: ErrorList = [];
  for (const extra of set.slice(1)) {
    errs.push(forbidden(path.child(jsonName[extra]), 'may not specify more than 1 volume type'));
  }
  const { hostPath, emptyDir, secret, configMap, persistentVolumeClaim, projected, downwardApi, nfs, csi } =
    volume;
  if (hostPath) {
    if (hostPath.path === '') errs.push(required(path.child('hostPath', 'path'), ''));
    errs.push(
      ...validateEnum(hostPath.type, hostPathTypes, path.child('hostPath', 'type'), { optional: true }),
    );
  }
  if (emptyDir) {
    errs.push(
      ...validateEnum(emptyDir.medium, ['Memory'], path.child('emptyDir', 'medium'), { optional: true }),
    );
    if (emptyDir.sizeLimit !== '')
      parseQuantityAt(emptyDir.sizeLimit, path.child('emptyDir', 'sizeLimit'), errs);
  }
  if (secret) {
    if (secret.secretName === '') errs.push(required(path.child('secret', 'secretName'), ''));
    errs.push(...validateMode(secret.defaultMode, path.child('secret', 'defaultMode')));
    errs.push(...validateItems(secret.items, path.child('secret', 'items')));
  }
  if (configMap) {
    if (configMap.name === '') errs.push(required(path.child('configMap', 'name'), ''));
    errs.push(...validateMode(configMap.defaultMode, path.child('configMap', 'defaultMode')));
    errs.push(...validateItems(configMap.items, path.child('configMap', 'items')));
  }
  if (persistentVolumeClaim && persistentVolumeClaim.claimName === '') {
    errs.push(required(path.child('persistentVolumeClaim', 'claimName'), ''));
  }
  if (projected) {
    errs.push(...validateMode(projected.defaultMode, path.child('projected', 'defaultMode')));
    projected.sources.forEach((s, i) => {
      errs.push(...validateProjection(s, path.child('projected', 'sources').index(i)));
    });
  }
  if (downwardApi) {
    errs.push(...validateMode(downwardApi.defaultMode, path.child('downwardAPI', 'defaultMode')));
    errs.push(...validateDownwardApiFiles(downwardApi.items, path.child('downwardAPI', 'items')));
  }
  if (nfs) {
    if (nfs.server === '') errs.push(required(path.child('nfs', 'server'), ''));
    if (nfs.path === '') errs.push(required(path.child('nfs', 'path'), ''));
    else if (!nfs.path.startsWith('/'))
      errs.push(invalid(path.child('nfs', 'path'), nfs.path, 'must be an absolute path'));
  }
  if (csi && csi.driver === '') errs.push(required(path.child('csi', 'driver'), ''));
  return errs;
}

/** Validates the volumes and returns the set of their names. */
export function validateVolumes(volumes: readonly Volume[], path: FieldPath, errs: ErrorList): Set<string> {
  const names = new Set<string>();
  volumes.forEach((volume, i) => {
    const volPath = path.index(i);
    const namePath = volPath.child('name');
    if (volume.name === '') errs.push(required(namePath, ''));
    else errs.push(...validateDnsLabel(volume.name, namePath));
    if (names.has(volume.name)) errs.push(duplicate(namePath, volume.name));
    names.add(volume.name);
    errs.push(...validateSource(volume, volPath));
  });
  return names;
}
