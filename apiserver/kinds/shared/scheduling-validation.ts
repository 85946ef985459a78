/** Where a Pod may run: tolerations, affinity and topology spread constraints. */
import type {
  Affinity,
  NodeSelectorTerm,
  PodAffinityTerm,
  Toleration,
  TopologySpreadConstraint,
} from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { validateLabelSelector } from '../../validation/labels.js';
import { validateLabelValue, validateQualifiedName } from '../../validation/names.js';
import { validateEnum, validateInRange } from './rules.js';

export const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTolerations(tolerations: readonly Toleration[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  tolerations.forEach((t, i) => {
    const tPath = path.index(i);
    if (t.key !== '') errs.push(...validateQualifiedName(t.key, tPath.child('key')));
    if (t.key === '' && t.operator !== 'Exists') {
      errs.push(
        invalid(
          tPath.child('operator'),
          t.operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    switch (t.operator) {
      case '':
      case 'Equal':
        errs.push(...validateLabelValue(t.value, tPath.child('value')));
        break;
      case 'Exists':
        if (t.value !== '') {
          errs.push(
            invalid(tPath.child('operator'), t.value, "value must be empty when `operator` is 'Exists'"),
          );
        }
        break;
      default:
        errs.push(
          invalid(tPath.child('operator'), t.operator, 'the operator must be one of Equal or Exists'),
        );
    }
    errs.push(...validateEnum(t.effect, taintEffects, tPath.child('effect'), { optional: true }));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(
        invalid(
          tPath.child('effect'),
          t.effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
  });
  return errs;
}

function validateNodeSelectorTerm(term: NodeSelectorTerm, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const check = (list: NodeSelectorTerm['matchExpressions'], listPath: FieldPath, fields: boolean) => {
    list.forEach((req, i) => {
      const rPath = listPath.index(i);
      if (fields) errs.push(...validateEnum(req.key, ['metadata.name'], rPath.child('key')));
      else errs.push(...validateQualifiedName(req.key, rPath.child('key')));
      switch (req.operator) {
        case 'In':
        case 'NotIn':
          if (req.values.length === 0) {
            errs.push(
              required(rPath.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"),
            );
          }
          break;
        case 'Exists':
        case 'DoesNotExist':
          if (req.values.length > 0) {
            errs.push(
              invalid(
                rPath.child('values'),
                req.values,
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
              ),
            );
          }
          break;
        case 'Gt':
        case 'Lt':
          if (req.values.length !== 1 || !/^-?[0-9]+$/.test(req.values[0] ?? '')) {
            errs.push(
              required(
                rPath.child('values'),
                "must be specified single value when `operator` is 'Lt' or 'Gt'",
              ),
            );
          }
          break;
        default:
          errs.push(invalid(rPath.child('operator'), req.operator, 'not a valid selector operator'));
      }
    });
  };
  check(term.matchExpressions, path.child('matchExpressions'), false);
  check(term.matchFields, path.child('matchFields'), true);
  return errs;
}

function validatePodAffinityTerm(term: PodAffinityTerm, path: FieldPath): ErrorList {
  const errs = validateLabelSelector(term.labelSelector, path.child('labelSelector'));
  errs.push(...validateLabelSelector(term.namespaceSelector, path.child('namespaceSelector')));
  if (term.topologyKey === '') errs.push(required(path.child('topologyKey'), 'can not be empty'));
  else errs.push(...validateQualifiedName(term.topologyKey, path.child('topologyKey')));
  return errs;
}

export function validateAffinity(affinity: Affinity | undefined, path: FieldPath): ErrorList {
  if (!affinity) return [];
  const errs: ErrorList = [];
  const node = affinity.nodeAffinity;
  if (node) {
    const nPath = path.child('nodeAffinity');
    const required_ = node.requiredDuringSchedulingIgnoredDuringExecution;
    if (required_) {
      const rPath = nPath.child('requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms');
      if (required_.nodeSelectorTerms.length === 0)
        errs.push(required(rPath, 'must have at least one node selector term'));
      required_.nodeSelectorTerms.forEach((t, i) => {
        errs.push(...validateNodeSelectorTerm(t, rPath.index(i)));
      });
    }
    node.preferredDuringSchedulingIgnoredDuringExecution.forEach((p, i) => {
      const pPath = nPath.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      errs.push(...validateInRange(p.weight, 1, 100, pPath.child('weight')));
      if (p.preference) errs.push(...validateNodeSelectorTerm(p.preference, pPath.child('preference')));
    });
  }
  for (const field of ['podAffinity', 'podAntiAffinity'] as const) {
    const a = affinity[field];
    if (!a) continue;
    const aPath = path.child(field);
    a.requiredDuringSchedulingIgnoredDuringExecution.forEach((t, i) => {
      errs.push(
        ...validatePodAffinityTerm(t, aPath.child('requiredDuringSchedulingIgnoredDuringExecution').index(i)),
      );
    });
    a.preferredDuringSchedulingIgnoredDuringExecution.forEach((w, i) => {
      const wPath = aPath.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      errs.push(...validateInRange(w.weight, 1, 100, wPath.child('weight')));
      if (w.podAffinityTerm)
        errs.push(...validatePodAffinityTerm(w.podAffinityTerm, wPath.child('podAffinityTerm')));
      else errs.push(required(wPath.child('podAffinityTerm'), ''));
    });
  }
  return errs;
}

export function validateTopologySpreadConstraints(
  constraints: readonly TopologySpreadConstraint[],
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  const seen = new Set<string>();
  constraints.forEach((c, i) => {
    const cPath = path.index(i);
    if (c.maxSkew <= 0) errs.push(invalid(cPath.child('maxSkew'), c.maxSkew, 'must be greater than zero'));
    if (c.topologyKey === '') errs.push(required(cPath.child('topologyKey'), 'can not be empty'));
    else errs.push(...validateQualifiedName(c.topologyKey, cPath.child('topologyKey')));
    errs.push(
      ...validateEnum(
        c.whenUnsatisfiable,
        ['DoNotSchedule', 'ScheduleAnyway'],
        cPath.child('whenUnsatisfiable'),
      ),
    );
    const pair = `${c.topologyKey}\0${c.whenUnsatisfiable}`;
    if (seen.has(pair)) {
      errs.push(
        invalid(
          cPath,
          `{${c.topologyKey}, ${c.whenUnsatisfiable}}`,
          'duplicate topologyKey and whenUnsatisfiable',
        ),
      );
    }
    seen.add(pair);
    if (c.minDomains !== undefined && c.minDomains <= 0) {
      errs.push(invalid(cPath.child('minDomains'), c.minDomains, 'must be greater than 0'));
    }
    errs.push(
      ...validateEnum(c.nodeAffinityPolicy, ['Honor', 'Ignore'], cPath.child('nodeAffinityPolicy'), {
        optional: true,
      }),
      ...validateEnum(c.nodeTaintsPolicy, ['Honor', 'Ignore'], cPath.child('nodeTaintsPolicy'), {
        optional: true,
      }),
      ...validateLabelSelector(c.labelSelector, cPath.child('labelSelector')),
    );
  });
  return errs;
}
