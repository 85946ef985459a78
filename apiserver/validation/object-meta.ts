/**
 * Validation of `metadata`, shared by every kind (Kubernetes' ValidateObjectMeta
 * and ValidateObjectMetaUpdate). A kind's validation calls these first and adds
 * its own checks of the spec.
 */
import type { ObjectMeta, OwnerReference } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type ErrorList, forbidden, invalid, required } from './field-error.js';
import { FieldPath } from './field-path.js';
import { validateAnnotations, validateLabels } from './labels.js';
import {
  type NameRule,
  type NameValidator,
  nameIsDnsLabel,
  nameValidators,
  validateQualifiedName,
} from './names.js';
import { validateNonNegative } from './values.js';

export interface ObjectMetaRules {
  /** Namespaced kinds require a namespace; cluster-scoped kinds forbid one. */
  readonly namespaced: boolean;
  /** How names are checked; 'subdomain' for most kinds. */
  readonly nameRule: NameRule | NameValidator;
}

export const fieldImmutableErrorMsg = 'field is immutable';

/** The finalizers Kubernetes defines without a domain prefix. */
const standardFinalizers: ReadonlySet<string> = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

const metadataPath = FieldPath.of('metadata');

/** Validates the metadata of an object being created. */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  rules: ObjectMetaRules,
  path: FieldPath = metadataPath,
): ErrorList {
  if (meta === undefined) return [required(path)];
  const nameFn = typeof rules.nameRule === 'function' ? rules.nameRule : nameValidators[rules.nameRule];
  const errs: ErrorList = [];
  if (meta.generateName !== '') {
    for (const msg of nameFn(meta.generateName, true)) {
      errs.push(invalid(path.child('generateName'), meta.generateName, msg));
    }
  }
  if (meta.name === '') {
    errs.push(required(path.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(meta.name, false)) errs.push(invalid(path.child('name'), meta.name, msg));
  }
  if (rules.namespaced) {
    if (meta.namespace === '') {
      errs.push(required(path.child('namespace')));
    } else {
      for (const msg of nameIsDnsLabel(meta.namespace, false)) {
        errs.push(invalid(path.child('namespace'), meta.namespace, msg));
      }
    }
  } else if (meta.namespace !== '') {
    errs.push(forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonNegative(meta.generation || '0', path.child('generation')));
  errs.push(...validateCommonMeta(meta, path));
  return errs;
}

/**
 * Validates the metadata of an updated object against the stored one: identity
 * and lifecycle fields are immutable, generation never goes back, and an object
 * being deleted may lose finalizers but not gain them. The registry copies
 * server-managed fields from the old object before calling this, as Kubernetes
 * does; what is left to differ is the caller's doing.
 */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta | undefined,
  oldMeta: ObjectMeta | undefined,
  path: FieldPath = metadataPath,
): ErrorList {
  if (newMeta === undefined) return [required(path)];
  if (oldMeta === undefined) return validateCommonMeta(newMeta, path);
  const errs: ErrorList = [];
  if (oldMeta.deletionTimestamp !== undefined) {
    const added = [...new Set(newMeta.finalizers ?? [])].filter(
      (f) => !(oldMeta.finalizers ?? []).includes(f),
    );
    if (added.length > 0) {
      errs.push(
        forbidden(
          path.child('finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added.sort())}`,
        ),
      );
    }
  }
  if (newMeta.resourceVersion === '') {
    errs.push(
      invalid(path.child('resourceVersion'), newMeta.resourceVersion, 'must be specified for an update'),
    );
  }
  const newGeneration = BigInt(newMeta.generation || '0');
  if (newGeneration < BigInt(oldMeta.generation || '0')) {
    errs.push(invalid(path.child('generation'), newGeneration, 'must not be decremented'));
  }
  errs.push(...immutable(newMeta.name, oldMeta.name, path.child('name')));
  errs.push(...immutable(newMeta.namespace, oldMeta.namespace, path.child('namespace')));
  errs.push(...immutable(newMeta.uid, oldMeta.uid, path.child('uid')));
  errs.push(
    ...immutable(newMeta.creationTimestamp, oldMeta.creationTimestamp, path.child('creationTimestamp')),
  );
  errs.push(
    ...immutable(newMeta.deletionTimestamp, oldMeta.deletionTimestamp, path.child('deletionTimestamp')),
  );
  errs.push(
    ...immutable(
      newMeta.deletionGracePeriodSeconds,
      oldMeta.deletionGracePeriodSeconds,
      path.child('deletionGracePeriodSeconds'),
    ),
  );
  errs.push(...validateCommonMeta(newMeta, path));
  return errs;
}

type Scalar = string | Date | undefined;

function same(a: Scalar, b: Scalar): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

/** A field that may not change once set. */
export function immutable(newValue: Scalar, oldValue: Scalar, path: FieldPath): ErrorList {
  return same(newValue, oldValue) ? [] : [invalid(path, newValue ?? null, fieldImmutableErrorMsg)];
}

/** What creates and updates both check: labels, annotations, owner references, finalizers. */
function validateCommonMeta(meta: ObjectMeta, path: FieldPath): ErrorList {
  return [
    ...validateLabels(meta.labels, path.child('labels')),
    ...validateAnnotations(meta.annotations, path.child('annotations')),
    ...validateOwnerReferences(meta.ownerReferences ?? [], path.child('ownerReferences')),
    ...validateFinalizers(meta.finalizers ?? [], path.child('finalizers')),
  ];
}

export function validateOwnerReferences(refs: readonly OwnerReference[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  let controller: string | undefined;
  refs.forEach((ref, i) => {
    const refPath = path.index(i);
    // apiVersion is `v1` or `<group>/<version>`: the version is what follows the last '/'.
    if (ref.apiVersion.slice(ref.apiVersion.lastIndexOf('/') + 1) === '') {
      errs.push(invalid(refPath.child('apiVersion'), ref.apiVersion, 'version must not be empty'));
    }
    if (ref.kind === '') errs.push(invalid(refPath.child('kind'), ref.kind, 'must not be empty'));
    if (ref.name === '') errs.push(invalid(refPath.child('name'), ref.name, 'must not be empty'));
    if (ref.uid === '') errs.push(invalid(refPath.child('uid'), ref.uid, 'must not be empty'));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (controller === undefined) {
        controller = current;
      } else {
        errs.push(
          invalid(
            refPath.child('controller'),
            true,
            `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${current}`,
          ),
        );
      }
    }
  });
  return errs;
}

export function validateFinalizers(finalizers: readonly string[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  finalizers.forEach((finalizer, i) => {
    const itemPath = path.index(i);
    const nameErrs = validateQualifiedName(finalizer, itemPath);
    errs.push(...nameErrs);
    if (nameErrs.length === 0 && !finalizer.includes('/') && !standardFinalizers.has(finalizer)) {
      errs.push(
        invalid(itemPath, finalizer, 'name is neither a standard finalizer name nor is it fully qualified'),
      );
    }
  });
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}
