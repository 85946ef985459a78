/** Labels and label selectors as kubectl's columns write them. */
import type { LabelSelector } from '../gen/wheelhouse/meta/v1/meta.js';
import { fromLabelSelector, selectorToString } from '../labels/index.js';
import { NONE } from './printer.js';

/** `a=1,b=2`, keys sorted; `<none>` for no labels (labels.FormatLabels). */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const text = Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels?.[k] ?? ''}`)
    .join(',');
  return text || NONE;
}

/**
 * A structured selector in the string syntax (`app=web,tier in (a,b)`), requirements
 * sorted by key; `<none>` when it selects by nothing, `<error>` when it is invalid
 * (metav1.FormatLabelSelector).
 */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  try {
    return selectorToString(fromLabelSelector(selector)) || NONE;
  } catch {
    return '<error>';
  }
}

/** The selector string alone, '' when it selects by nothing, `<invalid>` when invalid (as the Deployment column). */
export function labelSelectorString(selector: LabelSelector | undefined): string {
  try {
    return selectorToString(fromLabelSelector(selector));
  } catch {
    return '<invalid>';
  }
}
