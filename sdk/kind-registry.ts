/**
 * The generated code of every kind in the kind table: the message functions
 * (encode/decode/fromJSON/toJSON/create), the gRPC service definition and the
 * client constructor. Components look kinds up here instead of importing the
 * generated modules one by one, so that serving or calling "any kind" is a
 * table lookup. A test checks that the table covers sdk/kinds.ts exactly.
 */

import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import type { Client, ServiceClientConstructor, ServiceDefinition } from '@grpc/grpc-js';
import { MutatingWebhookConfiguration } from './gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import {
  MutatingWebhookConfigurationServiceClient,
  MutatingWebhookConfigurationServiceService,
} from './gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration_service.js';
import { ValidatingWebhookConfiguration } from './gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js';
import {
  ValidatingWebhookConfigurationServiceClient,
  ValidatingWebhookConfigurationServiceService,
} from './gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration_service.js';
import { ControllerRevision } from './gen/wheelhouse/apps/v1/controller_revision.js';
import {
  ControllerRevisionServiceClient,
  ControllerRevisionServiceService,
} from './gen/wheelhouse/apps/v1/controller_revision_service.js';
import { DaemonSet } from './gen/wheelhouse/apps/v1/daemon_set.js';
import {
  DaemonSetServiceClient,
  DaemonSetServiceService,
} from './gen/wheelhouse/apps/v1/daemon_set_service.js';
import { Deployment } from './gen/wheelhouse/apps/v1/deployment.js';
import {
  DeploymentServiceClient,
  DeploymentServiceService,
} from './gen/wheelhouse/apps/v1/deployment_service.js';
import { ReplicaSet } from './gen/wheelhouse/apps/v1/replica_set.js';
import {
  ReplicaSetServiceClient,
  ReplicaSetServiceService,
} from './gen/wheelhouse/apps/v1/replica_set_service.js';
import { StatefulSet } from './gen/wheelhouse/apps/v1/stateful_set.js';
import {
  StatefulSetServiceClient,
  StatefulSetServiceService,
} from './gen/wheelhouse/apps/v1/stateful_set_service.js';
import { HorizontalPodAutoscaler } from './gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import {
  HorizontalPodAutoscalerServiceClient,
  HorizontalPodAutoscalerServiceService,
} from './gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler_service.js';
import { CronJob } from './gen/wheelhouse/batch/v1/cron_job.js';
import { CronJobServiceClient, CronJobServiceService } from './gen/wheelhouse/batch/v1/cron_job_service.js';
import { Job } from './gen/wheelhouse/batch/v1/job.js';
import { JobServiceClient, JobServiceService } from './gen/wheelhouse/batch/v1/job_service.js';
import { Lease } from './gen/wheelhouse/coordination/v1/lease.js';
import { LeaseServiceClient, LeaseServiceService } from './gen/wheelhouse/coordination/v1/lease_service.js';
import { ConfigMap } from './gen/wheelhouse/core/v1/config_map.js';
import {
  ConfigMapServiceClient,
  ConfigMapServiceService,
} from './gen/wheelhouse/core/v1/config_map_service.js';
import { Endpoints } from './gen/wheelhouse/core/v1/endpoints.js';
import {
  EndpointsServiceClient,
  EndpointsServiceService,
} from './gen/wheelhouse/core/v1/endpoints_service.js';
import { Event } from './gen/wheelhouse/core/v1/event.js';
import { EventServiceClient, EventServiceService } from './gen/wheelhouse/core/v1/event_service.js';
import { LimitRange } from './gen/wheelhouse/core/v1/limit_range.js';
import {
  LimitRangeServiceClient,
  LimitRangeServiceService,
} from './gen/wheelhouse/core/v1/limit_range_service.js';
import { Namespace } from './gen/wheelhouse/core/v1/namespace.js';
import {
  NamespaceServiceClient,
  NamespaceServiceService,
} from './gen/wheelhouse/core/v1/namespace_service.js';
import { Node } from './gen/wheelhouse/core/v1/node.js';
import { NodeServiceClient, NodeServiceService } from './gen/wheelhouse/core/v1/node_service.js';
import { Pod } from './gen/wheelhouse/core/v1/pod.js';
import { PodServiceClient, PodServiceService } from './gen/wheelhouse/core/v1/pod_service.js';
import { ResourceQuota } from './gen/wheelhouse/core/v1/resource_quota.js';
import {
  ResourceQuotaServiceClient,
  ResourceQuotaServiceService,
} from './gen/wheelhouse/core/v1/resource_quota_service.js';
import { Secret } from './gen/wheelhouse/core/v1/secret.js';
import { SecretServiceClient, SecretServiceService } from './gen/wheelhouse/core/v1/secret_service.js';
import { Service } from './gen/wheelhouse/core/v1/service.js';
import { ServiceAccount } from './gen/wheelhouse/core/v1/service_account.js';
import {
  ServiceAccountServiceClient,
  ServiceAccountServiceService,
} from './gen/wheelhouse/core/v1/service_account_service.js';
import { ServiceServiceClient, ServiceServiceService } from './gen/wheelhouse/core/v1/service_service.js';
import { EndpointSlice } from './gen/wheelhouse/discovery/v1/endpoint_slice.js';
import {
  EndpointSliceServiceClient,
  EndpointSliceServiceService,
} from './gen/wheelhouse/discovery/v1/endpoint_slice_service.js';
import type { ObjectMeta } from './gen/wheelhouse/meta/v1/meta.js';
import { PodDisruptionBudget } from './gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import {
  PodDisruptionBudgetServiceClient,
  PodDisruptionBudgetServiceService,
} from './gen/wheelhouse/policy/v1/pod_disruption_budget_service.js';
import { ClusterRole } from './gen/wheelhouse/rbac/v1/cluster_role.js';
import { ClusterRoleBinding } from './gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import {
  ClusterRoleBindingServiceClient,
  ClusterRoleBindingServiceService,
} from './gen/wheelhouse/rbac/v1/cluster_role_binding_service.js';
import {
  ClusterRoleServiceClient,
  ClusterRoleServiceService,
} from './gen/wheelhouse/rbac/v1/cluster_role_service.js';
import { Role } from './gen/wheelhouse/rbac/v1/role.js';
import { RoleBinding } from './gen/wheelhouse/rbac/v1/role_binding.js';
import {
  RoleBindingServiceClient,
  RoleBindingServiceService,
} from './gen/wheelhouse/rbac/v1/role_binding_service.js';
import { RoleServiceClient, RoleServiceService } from './gen/wheelhouse/rbac/v1/role_service.js';
import { PriorityClass } from './gen/wheelhouse/scheduling/v1/priority_class.js';
import {
  PriorityClassServiceClient,
  PriorityClassServiceService,
} from './gen/wheelhouse/scheduling/v1/priority_class_service.js';
import { registerKindTypes } from './kind-loader.js';
import type { KindInfo } from './kinds.js';

/** What every kind message has in common: the type meta and the object meta. */
export interface KindObject {
  apiVersion: string;
  kind: string;
  metadata?: ObjectMeta | undefined;
}

/** The functions ts-proto generates for a message (its own interface is not exported). */
export interface MessageFns<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  /** Reads the Protobuf JSON form; lenient, so validate first (sdk/manifest does). */
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
  create(base?: Partial<T>): T;
}

export interface KindTypes<T extends KindObject = KindObject> {
  /** The kind's message: `Pod`. */
  readonly message: MessageFns<T>;
  /** The kind's service definition: `PodServiceService`, for `server.addService`. */
  readonly service: ServiceDefinition;
  /** The kind's client constructor: `new PodServiceClient(address, credentials)`. */
  readonly client: ServiceClientConstructor;
}

function types(
  message: MessageFns<KindObject>,
  service: ServiceDefinition,
  client: { new (...args: never[]): Client; serviceName: string },
): KindTypes {
  // The generated constructors are typed with their own client interface, which
  // is a ServiceClient underneath (makeGenericClientConstructor).
  return { message, service, client: client as ServiceClientConstructor };
}

/** The generated types of every kind, keyed by kind name (`Pod`). */
export const kindTypes: Readonly<Record<string, KindTypes>> = {
  Namespace: types(Namespace, NamespaceServiceService, NamespaceServiceClient),
  Node: types(Node, NodeServiceService, NodeServiceClient),
  Pod: types(Pod, PodServiceService, PodServiceClient),
  Event: types(Event, EventServiceService, EventServiceClient),
  ServiceAccount: types(ServiceAccount, ServiceAccountServiceService, ServiceAccountServiceClient),
  Service: types(Service, ServiceServiceService, ServiceServiceClient),
  Endpoints: types(Endpoints, EndpointsServiceService, EndpointsServiceClient),
  ConfigMap: types(ConfigMap, ConfigMapServiceService, ConfigMapServiceClient),
  Secret: types(Secret, SecretServiceService, SecretServiceClient),
  LimitRange: types(LimitRange, LimitRangeServiceService, LimitRangeServiceClient),
  ResourceQuota: types(ResourceQuota, ResourceQuotaServiceService, ResourceQuotaServiceClient),
  Deployment: types(Deployment, DeploymentServiceService, DeploymentServiceClient),
  ReplicaSet: types(ReplicaSet, ReplicaSetServiceService, ReplicaSetServiceClient),
  DaemonSet: types(DaemonSet, DaemonSetServiceService, DaemonSetServiceClient),
  StatefulSet: types(StatefulSet, StatefulSetServiceService, StatefulSetServiceClient),
  ControllerRevision: types(
    ControllerRevision,
    ControllerRevisionServiceService,
    ControllerRevisionServiceClient,
  ),
  Job: types(Job, JobServiceService, JobServiceClient),
  CronJob: types(CronJob, CronJobServiceService, CronJobServiceClient),
  PodDisruptionBudget: types(
    PodDisruptionBudget,
    PodDisruptionBudgetServiceService,
    PodDisruptionBudgetServiceClient,
  ),
  Role: types(Role, RoleServiceService, RoleServiceClient),
  ClusterRole: types(ClusterRole, ClusterRoleServiceService, ClusterRoleServiceClient),
  RoleBinding: types(RoleBinding, RoleBindingServiceService, RoleBindingServiceClient),
  ClusterRoleBinding: types(
    ClusterRoleBinding,
    ClusterRoleBindingServiceService,
    ClusterRoleBindingServiceClient,
  ),
  Lease: types(Lease, LeaseServiceService, LeaseServiceClient),
  EndpointSlice: types(EndpointSlice, EndpointSliceServiceService, EndpointSliceServiceClient),
  HorizontalPodAutoscaler: types(
    HorizontalPodAutoscaler,
    HorizontalPodAutoscalerServiceService,
    HorizontalPodAutoscalerServiceClient,
  ),
  PriorityClass: types(PriorityClass, PriorityClassServiceService, PriorityClassServiceClient),
  MutatingWebhookConfiguration: types(
    MutatingWebhookConfiguration,
    MutatingWebhookConfigurationServiceService,
    MutatingWebhookConfigurationServiceClient,
  ),
  ValidatingWebhookConfiguration: types(
    ValidatingWebhookConfiguration,
    ValidatingWebhookConfigurationServiceService,
    ValidatingWebhookConfigurationServiceClient,
  ),
};

/** The generated types of a kind from the kind table. */
export function typesOf(info: KindInfo): KindTypes {
  const found = kindTypes[info.kind];
  if (!found) throw new Error(`no generated types registered for kind ${info.kind}`);
  return found;
}

// A process that has the table has every kind's code: the loader hands it out at once.
for (const [kind, types] of Object.entries(kindTypes)) registerKindTypes(kind, types);
