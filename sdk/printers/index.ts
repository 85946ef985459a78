/**
 * The columns `kubectl get` shows for every kind Wheelhouse serves, and their
 * cells, as Kubernetes' printers compute them. The apiserver builds its
 * `meta.k8s.io/v1` Tables from these; whctl prints the same cells itself.
 */
import type { KindInfo } from '../kinds.js';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { controllerRevisionPrinter } from './controller-revision.js';
import { createdAtPrinter } from './created-at.js';
import { cronJobPrinter } from './cron-job.js';
import { daemonSetPrinter } from './daemon-set.js';
import { deploymentPrinter } from './deployment.js';
import { endpointsPrinter } from './endpoints.js';
import { eventPrinter } from './event.js';
import { horizontalPodAutoscalerPrinter } from './horizontal-pod-autoscaler.js';
import { jobPrinter } from './job.js';
import { leasePrinter } from './lease.js';
import { namespacePrinter } from './namespace.js';
import { nodePrinter } from './node.js';
import { podPrinter } from './pod.js';
import { podDisruptionBudgetPrinter } from './pod-disruption-budget.js';
import type { Printer } from './printer.js';
import { priorityClassPrinter } from './priority-class.js';
import { roleBindingPrinter } from './rbac.js';
import { replicaSetPrinter } from './replica-set.js';
import { resourceQuotaPrinter } from './resource-quota.js';
import { endpointSlicePrinter, servicePrinter } from './service.js';
import { statefulSetPrinter } from './stateful-set.js';
import { webhookConfigurationPrinter } from './webhook-configuration.js';

export { age, humanDuration } from './age.js';
export { createdAt } from './created-at.js';
export { formatEndpoints } from './endpoints.js';
export { eventCount, eventFirstSeen, eventLastSeen, eventObject, eventSource } from './event.js';
export { formatHpaMetrics } from './horizontal-pod-autoscaler.js';
export { formatLabelSelector, formatLabels } from './labels.js';
export { nodeRoles, nodeStatus } from './node.js';
export { podRestarts, podStatus, summarizePod } from './pod.js';
export type { Cell, ColumnDefinition, Printer, RowCondition } from './printer.js';
export { NONE } from './printer.js';
export { serviceExternalIP, servicePorts } from './service.js';

const printers: Readonly<Record<string, Printer>> = {
  Pod: podPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  Event: eventPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  ServiceAccount: serviceAccountPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  EndpointSlice: endpointSlicePrinter,
  ResourceQuota: resourceQuotaPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  DaemonSet: daemonSetPrinter,
  StatefulSet: statefulSetPrinter,
  ControllerRevision: controllerRevisionPrinter,
  HorizontalPodAutoscaler: horizontalPodAutoscalerPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  PodDisruptionBudget: podDisruptionBudgetPrinter,
  RoleBinding: roleBindingPrinter,
  ClusterRoleBinding: roleBindingPrinter,
  Lease: leasePrinter,
  PriorityClass: priorityClassPrinter,
  MutatingWebhookConfiguration: webhookConfigurationPrinter,
  ValidatingWebhookConfiguration: webhookConfigurationPrinter,
};

/**
 * The printer of a kind. Kinds Kubernetes gives no columns of their own (Role,
 * ClusterRole, LimitRange) get NAME and CREATED AT, as its apiserver does for them.
 */
export function printerFor(info: KindInfo): Printer {
  return printers[info.kind] ?? createdAtPrinter;
}
