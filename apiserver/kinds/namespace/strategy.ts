/**
 * The Namespace strategy (Kubernetes' pkg/registry/core/namespace): new
 * namespaces are Active and carry the `kubernetes` finalizer, which the
 * namespace controller removes through the finalize subresource once it has
 * deleted everything inside; until then a deleted namespace stays, Terminating.
 */
import { type Namespace, NamespaceStatus } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid, notSupported } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateQualifiedName } from '../../validation/names.js';
import { infoOf } from '../kind-info.js';
import { keepAllButStatus, keepStatus, statusStrategy } from '../shared/status-strategy.js';

/** The finalizer the namespace controller owns. */
export const namespaceFinalizer = 'kubernetes';
const standardFinalizers = [namespaceFinalizer, 'orphan', 'foregroundDeletion'];
const finalizersPath = FieldPath.of('spec', 'finalizers');
const phasePath = FieldPath.of('status', 'phase');

/** A standard finalizer, or one qualified by the domain of whoever owns it (`example.com/cleanup`). */
function validateFinalizers(finalizers: readonly string[]): ErrorList {
  const errs: ErrorList = [];
  finalizers.forEach((f, i) => {
    const path = finalizersPath.index(i);
    const nameErrs = validateQualifiedName(f, path);
    errs.push(...nameErrs);
    if (nameErrs.length === 0 && !standardFinalizers.includes(f) && !f.includes('/')) {
      errs.push(invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

/** Active while the namespace lives, Terminating once it is being deleted: the phase follows the deletion. */
function validateStatus(ns: Namespace): ErrorList {
  const phase = ns.status?.phase ?? '';
  const deleting = ns.metadata?.deletionTimestamp !== undefined;
  const expected = deleting ? 'Terminating' : 'Active';
  if (phase === expected) return [];
  if (phase !== 'Active' && phase !== 'Terminating')
    return [notSupported(phasePath, phase, ['Active', 'Terminating'])];
  return [
    invalid(
      phasePath,
      phase,
      deleting
        ? 'a namespace must be in terminating status once it has a deletion timestamp'
        : 'a namespace may only be in active status if it does not have a deletion timestamp',
    ),
  ];
}

export function namespaceStrategy(): Strategy<Namespace> {
  const validate = (ns: Namespace) => validateFinalizers(ns.spec?.finalizers ?? []);
  return {
    info: infoOf('Namespace'),
    nameRule: 'label',
    allowUnconditionalUpdate: true,
    applyDefaults(ns) {
      ns.spec ??= { finalizers: [] };
      if (ns.status && ns.status.phase === '') ns.status.phase = 'Active';
    },
    prepareForCreate(ns) {
      ns.spec ??= { finalizers: [] };
      if (!ns.spec.finalizers.includes(namespaceFinalizer)) ns.spec.finalizers.push(namespaceFinalizer);
      ns.status = NamespaceStatus.create({ phase: 'Active' });
    },
    validate,
    // As Kubernetes: spec.finalizers change only through the finalize subresource, which
    // the namespace controller (or an operator) uses; the object itself keeps them.
    prepareForUpdate(ns, old) {
      keepStatus(ns, old);
      ns.spec = { ...ns.spec, finalizers: [...(old.spec?.finalizers ?? [])] };
    },
    validateUpdate: validate,
    status: statusStrategy<Namespace>(validateStatus),
    // Only spec.finalizers change here: metadata and status stay as stored.
    finalize: {
      prepareForUpdate(ns, old) {
        const finalizers = [...(ns.spec?.finalizers ?? [])];
        keepAllButStatus(ns, old);
        keepStatus(ns, old);
        ns.spec = { ...ns.spec, finalizers };
      },
      validateUpdate: validate,
    },
    fieldSelectors: {
      'status.phase': (ns) => ns.status?.phase,
    },
    deletion: {
      prepareForDelete(ns) {
        ns.status ??= NamespaceStatus.create();
        ns.status.phase = 'Terminating';
      },
      holdsDeletion: (ns) => (ns.spec?.finalizers.length ?? 0) > 0,
    },
  };
}
