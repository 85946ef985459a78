/** PodDisruptionBudgets: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE. */
import type { IntOrString } from '../gen/wheelhouse/meta/v1/meta.js';
import type { PodDisruptionBudget } from '../gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

const bound = (v: IntOrString | undefined) => (v?.value === undefined ? 'N/A' : String(v.value.value));

export const podDisruptionBudgetPrinter = definePrinter<PodDisruptionBudget>([
  nameColumn,
  column('Min Available', 'string', 'The pods that must stay available, a number or a percentage.', (p) =>
    bound(p.spec?.minAvailable),
  ),
  column('Max Unavailable', 'string', 'The pods that may be unavailable, a number or a percentage.', (p) =>
    bound(p.spec?.maxUnavailable),
  ),
  column(
    'Allowed Disruptions',
    'integer',
    'How many pods may be evicted now.',
    (p) => p.status?.disruptionsAllowed ?? 0,
  ),
  ageColumn,
]);
