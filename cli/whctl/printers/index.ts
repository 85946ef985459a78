/**
 * Tables of objects as `whctl get` prints them: the kind's columns after NAME,
 * NAMESPACE first with -A, `kind/name` names when several kinds are shown.
 */
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { objectLabel } from '../resources.js';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { controllerRevisionPrinter } from './controller-revision.js';
import { cronJobPrinter } from './cron-job.js';
import { daemonSetPrinter } from './daemon-set.js';
import { deploymentPrinter } from './deployment.js';
import { eventPrinter } from './event.js';
import { genericPrinter } from './generic.js';
import { jobPrinter } from './job.js';
import { namespacePrinter } from './namespace.js';
import { nodePrinter } from './node.js';
import { podPrinter } from './pod.js';
import { podDisruptionBudgetPrinter } from './pod-disruption-budget.js';
import {
  leasePrinter,
  limitRangePrinter,
  resourceQuotaPrinter,
  webhookConfigurationPrinter,
} from './policy.js';
import type { TablePrinter } from './printer.js';
import { priorityClassPrinter } from './priority-class.js';
import { roleBindingPrinter, rolePrinter } from './rbac.js';
import { replicaSetPrinter } from './replica-set.js';
import { statefulSetPrinter } from './stateful-set.js';

export { age, humanDuration } from './age.js';
export { renderTable, TableWriter } from './table.js';

const printers: Readonly<Record<string, TablePrinter>> = {
  Pod: podPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  PriorityClass: priorityClassPrinter,
  DaemonSet: daemonSetPrinter,
  StatefulSet: statefulSetPrinter,
  ControllerRevision: controllerRevisionPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  PodDisruptionBudget: podDisruptionBudgetPrinter,
  Event: eventPrinter,
  Role: rolePrinter,
  ClusterRole: rolePrinter,
  RoleBinding: roleBindingPrinter,
  ClusterRoleBinding: roleBindingPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  ServiceAccount: serviceAccountPrinter,
  Lease: leasePrinter,
  LimitRange: limitRangePrinter,
  ResourceQuota: resourceQuotaPrinter,
  MutatingWebhookConfiguration: webhookConfigurationPrinter,
  ValidatingWebhookConfiguration: webhookConfigurationPrinter,
};

export function printerFor(info: KindInfo): TablePrinter {
  return printers[info.kind] ?? genericPrinter;
}

export interface TableOptions {
  readonly wide?: boolean;
  /** Adds the NAMESPACE column (with -A, for namespaced kinds). */
  readonly withNamespace?: boolean;
  /** Names as `pod/web`: several kinds are printed. */
  readonly withKind?: boolean;
  readonly now: Date;
}

export function tableHeader(info: KindInfo, opts: TableOptions): string[] {
  const printer = printerFor(info);
  const columns = printer.columns.filter((c) => opts.wide || !c.wide);
  return [
    ...(opts.withNamespace ? ['NAMESPACE'] : []),
    ...(printer.withoutName ? [] : ['NAME']),
    ...columns.map((c) => c.header),
  ];
}

export function tableRow(info: KindInfo, object: KindObject, opts: TableOptions): string[] {
  const printer = printerFor(info);
  const columns = printer.columns.filter((c) => opts.wide || !c.wide);
  const name = object.metadata?.name ?? '';
  return [
    ...(opts.withNamespace ? [object.metadata?.namespace ?? ''] : []),
    ...(printer.withoutName ? [] : [opts.withKind ? objectLabel(info, name) : name]),
    ...columns.map((c) => c.cell(object, opts.now)),
  ];
}
