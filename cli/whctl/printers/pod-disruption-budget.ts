/** PodDisruptionBudgets: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE. */
import type { IntOrString } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { ageColumn } from './generic.js';
import { definePrinter } from './printer.js';

const bound = (v: IntOrString | undefined) => (v?.value === undefined ? 'N/A' : String(v.value.value));

export const podDisruptionBudgetPrinter = definePrinter<PodDisruptionBudget>([
  { header: 'MIN AVAILABLE', cell: (p) => bound(p.spec?.minAvailable) },
  { header: 'MAX UNAVAILABLE', cell: (p) => bound(p.spec?.maxUnavailable) },
  { header: 'ALLOWED DISRUPTIONS', cell: (p) => String(p.status?.disruptionsAllowed ?? 0) },
  ageColumn,
]);
