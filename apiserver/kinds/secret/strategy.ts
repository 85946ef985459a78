/**
 * The Secret strategy (Kubernetes' pkg/registry/core/secret): typed secrets
 * must hold the keys their type promises, and the type never changes.
 */
import type { Secret } from '../../../sdk/gen/wheelhouse/core/v1/secret.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';
import { validateDataKeys, validateDataSize, validateImmutableData } from '../shared/config-data.js';

const dataPath = FieldPath.of('data');
const typePath = FieldPath.of('type');
const serviceAccountNameKey = 'kubernetes.io/service-account.name';

/** The keys each well-known type requires (one of them, for basic-auth). */
const requiredKeys: Readonly<Record<string, { keys: string[]; anyOf?: boolean }>> = {
  'kubernetes.io/dockercfg': { keys: ['.dockercfg'] },
  'kubernetes.io/dockerconfigjson': { keys: ['.dockerconfigjson'] },
  'kubernetes.io/basic-auth': { keys: ['username', 'password'], anyOf: true },
  'kubernetes.io/ssh-auth': { keys: ['ssh-privatekey'] },
  'kubernetes.io/tls': { keys: ['tls.crt', 'tls.key'] },
};

function validateJsonKey(secret: Secret, key: string): ErrorList {
  const value = secret.data[key];
  if (value === undefined) return [];
  try {
    JSON.parse(value.toString('utf8'));
    return [];
  } catch (err) {
    return [
      invalid(
        dataPath.key(key),
        '<secret contents redacted>',
        err instanceof Error ? err.message : String(err),
      ),
    ];
  }
}

function validateSecret(secret: Secret): ErrorList {
  const errs = validateDataKeys(Object.keys(secret.data), dataPath);
  let size = 0;
  for (const [key, value] of Object.entries(secret.data)) size += Buffer.byteLength(key) + value.length;
  errs.push(...validateDataSize(size));
  const rule = requiredKeys[secret.type];
  if (rule) {
    const missing = rule.keys.filter((k) => !Object.hasOwn(secret.data, k));
    if (rule.anyOf && missing.length === rule.keys.length) {
      errs.push(
        required(dataPath, `must have at least one of ${rule.keys.map((k) => `"${k}"`).join(' or ')}`),
      );
    } else if (!rule.anyOf) {
      for (const k of missing) errs.push(required(dataPath.key(k), ''));
    }
  }
  if (secret.type === 'kubernetes.io/dockercfg') errs.push(...validateJsonKey(secret, '.dockercfg'));
  if (secret.type === 'kubernetes.io/dockerconfigjson')
    errs.push(...validateJsonKey(secret, '.dockerconfigjson'));
  if (
    secret.type === 'kubernetes.io/service-account-token' &&
    !secret.metadata?.annotations[serviceAccountNameKey]
  ) {
    errs.push(required(FieldPath.of('metadata', 'annotations').key(serviceAccountNameKey), ''));
  }
  return errs;
}

export function secretStrategy(): Strategy<Secret> {
  return {
    info: infoOf('Secret'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults(secret) {
      if (secret.type === '') secret.type = 'Opaque';
      // stringData is write-only: it is folded into data, winning over it, and never stored.
      for (const [key, value] of Object.entries(secret.stringData))
        secret.data[key] = Buffer.from(value, 'utf8');
      secret.stringData = {};
    },
    prepareForCreate() {},
    validate: validateSecret,
    prepareForUpdate() {},
    validateUpdate: (secret, old) => {
      const errs = [...validateSecret(secret), ...validateImmutableData(secret, old, ['data'])];
      if (secret.type !== old.type) errs.push(invalid(typePath, secret.type, 'field is immutable'));
      return errs;
    },
    fieldSelectors: {
      type: (secret) => secret.type,
    },
  };
}
