/** Validators for labels, annotations and label selectors in objects. */
import type { LabelSelector } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { isQualifiedName } from '../../sdk/labels/validation.js';
import { type ErrorList, forbidden, invalid, required, tooLong } from './field-error.js';
import type { FieldPath } from './field-path.js';
import { validateLabelValue, validateQualifiedName } from './names.js';

/** The most bytes all annotations of one object may hold, keys and values together (256 KiB). */
export const totalAnnotationSizeLimitBytes = 256 * 1024;

function sortedEntries(map: Readonly<Record<string, string>> | undefined): [string, string][] {
  return Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Keys must be qualified names, values valid label values. Key errors are reported on the map, value errors on the entry. */
export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  for (const [key, value] of sortedEntries(labels)) {
    errs.push(...validateQualifiedName(key, path));
    errs.push(...validateLabelValue(value, path.key(key)));
  }
  return errs;
}

/** Keys must be qualified names (case does not matter); all of them together at most 256 KiB. */
export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  let totalBytes = 0;
  for (const [key, value] of sortedEntries(annotations)) {
    errs.push(...isQualifiedName(key.toLowerCase()).map((msg) => invalid(path, key, msg)));
    totalBytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  if (totalBytes > totalAnnotationSizeLimitBytes) errs.push(tooLong(path, totalAnnotationSizeLimitBytes));
  return errs;
}

/** A structured selector (`spec.selector`): the same rules as sdk/labels' fromLabelSelector, as field errors. */
export function validateLabelSelector(selector: LabelSelector | undefined, path: FieldPath): ErrorList {
  if (selector === undefined) return [];
  const errs = validateLabels(selector.matchLabels, path.child('matchLabels'));
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const exprPath = path.child('matchExpressions').index(i);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            required(exprPath.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            forbidden(
              exprPath.child('values'),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(invalid(exprPath.child('operator'), expr.operator, 'not a valid selector operator'));
    }
    errs.push(...validateQualifiedName(expr.key, exprPath.child('key')));
    values.forEach((value, j) => {
      errs.push(...validateLabelValue(value, exprPath.child('values').index(j)));
    });
  });
  return errs;
}
