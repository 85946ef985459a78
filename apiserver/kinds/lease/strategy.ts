/** The Lease strategy: leader election and node heartbeats. */
import type { Lease } from '../../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateNonNegative } from '../../validation/values.js';
import { infoOf } from '../kind-info.js';

const specPath = FieldPath.of('spec');

function validateLease(lease: Lease): ErrorList {
  const spec = lease.spec;
  if (!spec) return [];
  const errs: ErrorList = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    errs.push(
      invalid(specPath.child('leaseDurationSeconds'), spec.leaseDurationSeconds, 'must be greater than 0'),
    );
  }
  if (spec.leaseTransitions !== undefined) {
    errs.push(...validateNonNegative(spec.leaseTransitions, specPath.child('leaseTransitions')));
  }
  if (spec.strategy !== undefined && spec.strategy !== 'OldestEmulationVersion') {
    errs.push(invalid(specPath.child('strategy'), spec.strategy, 'must be OldestEmulationVersion'));
  }
  if (spec.preferredHolder && !spec.holderIdentity) {
    errs.push(
      invalid(
        specPath.child('preferredHolder'),
        spec.preferredHolder,
        'may only be specified if holderIdentity is set',
      ),
    );
  }
  return errs;
}

export function leaseStrategy(): Strategy<Lease> {
  return {
    info: infoOf('Lease'),
    nameRule: 'subdomain',
    // Whoever takes a lease over must have seen the latest renewal: updates must name the version they read.
    allowUnconditionalUpdate: false,
    applyDefaults() {},
    prepareForCreate() {},
    validate: validateLease,
    prepareForUpdate() {},
    validateUpdate: validateLease,
  };
}
