/** The ServiceAccount strategy: an identity for Pods, referring to Secrets by name. */
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';

function validateServiceAccount(sa: ServiceAccount): ErrorList {
  const errs: ErrorList = [];
  sa.secrets.forEach((s, i) => {
    if (s.name === '') errs.push(required(FieldPath.of('secrets').index(i).child('name'), ''));
  });
  sa.imagePullSecrets.forEach((s, i) => {
    if (s.name === '') errs.push(required(FieldPath.of('imagePullSecrets').index(i).child('name'), ''));
  });
  return errs;
}

export function serviceAccountStrategy(): Strategy<ServiceAccount> {
  return {
    info: infoOf('ServiceAccount'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults() {},
    prepareForCreate() {},
    validate: validateServiceAccount,
    prepareForUpdate() {},
    validateUpdate: validateServiceAccount,
  };
}
