/** The ConfigMap strategy (Kubernetes' pkg/registry/core/configmap). */
import type { ConfigMap } from '../../../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';
import { validateDataKeys, validateDataSize, validateImmutableData } from '../shared/config-data.js';

const dataPath = FieldPath.of('data');

function validateConfigMap(cm: ConfigMap): ErrorList {
  const errs = [
    ...validateDataKeys(Object.keys(cm.data), dataPath),
    ...validateDataKeys(Object.keys(cm.binaryData), FieldPath.of('binaryData')),
  ];
  let size = 0;
  for (const [key, value] of Object.entries(cm.data)) {
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
    // Both would become the same file in a volume.
    if (Object.hasOwn(cm.binaryData, key))
      errs.push(invalid(dataPath.key(key), key, 'duplicate of key present in binaryData'));
  }
  for (const [key, value] of Object.entries(cm.binaryData)) size += Buffer.byteLength(key) + value.length;
  errs.push(...validateDataSize(size));
  return errs;
}

export function configMapStrategy(): Strategy<ConfigMap> {
  return {
    info: infoOf('ConfigMap'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults() {},
    prepareForCreate() {},
    validate: validateConfigMap,
    prepareForUpdate() {},
    validateUpdate: (cm, old) => [
      ...validateConfigMap(cm),
      ...validateImmutableData(cm, old, ['data', 'binaryData']),
    ],
  };
}
