/**
 * The LimitRange strategy: per-namespace bounds and defaults for container
 * and Pod resources, consistent with each other (min ≤ defaultRequest ≤
 * default ≤ max), as Kubernetes' ValidateLimitRange requires.
 */
import type { LimitRange, LimitRangeItem } from '../../../sdk/gen/wheelhouse/core/v1/limit_range.js';
import type { Quantity } from '../../../sdk/quantity.js';
import type { Strategy } from '../../registry/strategy.js';
import { duplicate, type ErrorList, forbidden, invalid } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';
import { validateResourceList } from '../shared/resources.js';
import { validateEnum } from '../shared/rules.js';

const limitsPath = FieldPath.of('spec', 'limits');
export const limitTypes = ['Container', 'Pod', 'PersistentVolumeClaim'];

/** Container limits fall back to max, requests to the default limit, then to min. */
function defaultItem(item: LimitRangeItem): void {
  if (item.type !== 'Container') return;
  for (const [name, value] of Object.entries(item.max)) item.default[name] ??= value;
  for (const [name, value] of Object.entries(item.default)) item.defaultRequest[name] ??= value;
  for (const [name, value] of Object.entries(item.min)) item.defaultRequest[name] ??= value;
}

function validateItem(item: LimitRangeItem, path: FieldPath): ErrorList {
  const errs = validateEnum(item.type, limitTypes, path.child('type'));
  const max = validateResourceList(item.max, path.child('max'), errs);
  const min = validateResourceList(item.min, path.child('min'), errs);
  const def = validateResourceList(item.default, path.child('default'), errs);
  const defReq = validateResourceList(item.defaultRequest, path.child('defaultRequest'), errs);
  const ratio = validateResourceList(item.maxLimitRequestRatio, path.child('maxLimitRequestRatio'), errs);
  if (item.type === 'Pod') {
    if (def.size > 0)
      errs.push(forbidden(path.child('default'), "may not be specified when `type` is 'Pod'"));
    if (defReq.size > 0)
      errs.push(forbidden(path.child('defaultRequest'), "may not be specified when `type` is 'Pod'"));
  }
  const text = (q: Quantity | undefined) => q?.toString() ?? '';
  const names = new Set([...max.keys(), ...min.keys(), ...def.keys(), ...defReq.keys(), ...ratio.keys()]);
  for (const name of [...names].sort()) {
    const [mx, mn, d, dr, r] = [
      max.get(name),
      min.get(name),
      def.get(name),
      defReq.get(name),
      ratio.get(name),
    ];
    if (mn && mx && mn.cmp(mx) > 0) {
      errs.push(
        invalid(
          path.child('min').key(name),
          text(mn),
          `min value ${text(mn)} is greater than max value ${text(mx)}`,
        ),
      );
    }
    if (dr && mn && mn.cmp(dr) > 0) {
      errs.push(
        invalid(
          path.child('defaultRequest').key(name),
          text(dr),
          `min value ${text(mn)} is greater than default request value ${text(dr)}`,
        ),
      );
    }
    if (dr && mx && dr.cmp(mx) > 0) {
      errs.push(
        invalid(
          path.child('defaultRequest').key(name),
          text(dr),
          `default request value ${text(dr)} is greater than max value ${text(mx)}`,
        ),
      );
    }
    if (d && mn && mn.cmp(d) > 0) {
      errs.push(
        invalid(
          path.child('default').key(name),
          text(d),
          `min value ${text(mn)} is greater than default value ${text(d)}`,
        ),
      );
    }
    if (d && mx && d.cmp(mx) > 0) {
      errs.push(
        invalid(
          path.child('default').key(name),
          text(d),
          `default value ${text(d)} is greater than max value ${text(mx)}`,
        ),
      );
    }
    if (dr && d && dr.cmp(d) > 0) {
      errs.push(
        invalid(
          path.child('defaultRequest').key(name),
          text(dr),
          `default request value ${text(dr)} is greater than default limit value ${text(d)}`,
        ),
      );
    }
    if (r && r.nanos < 1_000_000_000n) {
      errs.push(
        invalid(path.child('maxLimitRequestRatio').key(name), text(r), `ratio ${text(r)} is less than 1`),
      );
    }
  }
  return errs;
}

function validateLimitRange(lr: LimitRange): ErrorList {
  const errs: ErrorList = [];
  const types = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const itemPath = limitsPath.index(i);
    // One item per type: two would leave it ambiguous which bound applies.
    if (types.has(item.type)) errs.push(duplicate(itemPath.child('type'), item.type));
    types.add(item.type);
    errs.push(...validateItem(item, itemPath));
  });
  return errs;
}

export function limitRangeStrategy(): Strategy<LimitRange> {
  return {
    info: infoOf('LimitRange'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults(lr) {
      for (const item of lr.spec?.limits ?? []) defaultItem(item);
    },
    prepareForCreate() {},
    validate: validateLimitRange,
    prepareForUpdate() {},
    validateUpdate: validateLimitRange,
  };
}
