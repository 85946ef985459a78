/**
 * How a strategic merge patch treats each field: Kubernetes' `patchStrategy` and
 * `patchMergeKey` struct tags, for the fields Wheelhouse has. The table is keyed
 * by the Protobuf message that holds the field; a schema walks from a kind's
 * message down through the field types of the API's descriptor set, so a
 * message that appears in several places (Container in PodSpec and in a
 * Deployment's template) is tagged once.
 *
 * A field that is not in the table has the default strategy: objects merge key
 * by key and lists are replaced whole, as in a JSON merge patch.
 */
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { kinds, protoTypeOf } from '../kinds.js';
import { fieldsOf, intOrString, messageType, struct, timestamp } from '../manifest/schema.js';

export interface PatchMeta {
  /**
   * `merge`: a list merges with the live one — objects by `mergeKey`, primitives
   * as a set. `replace`: an object is replaced whole rather than merged.
   * Absent: objects merge, lists are replaced.
   */
  readonly strategy?: 'merge' | 'replace';
  /** The key that identifies an element of a merging list of objects. */
  readonly mergeKey?: string;
  /** Diffs of the field carry `$retainKeys`, so that switching between its union members clears the old one. */
  readonly retainKeys?: boolean;
}

const merge = (mergeKey?: string, retainKeys?: boolean): PatchMeta => ({
  strategy: 'merge',
  mergeKey,
  retainKeys,
});
const byType = merge('type');

/**
 * The tagged fields, by Protobuf message and then JSON field name, as
 * k8s.io/api tags them. To add one, copy the tag of the Kubernetes field
 * (`patchStrategy:"merge" patchMergeKey:"name"` is `merge('name')`); a test
 * checks that every entry names a field that exists.
 */
export const patchStrategies: Readonly<Record<string, Readonly<Record<string, PatchMeta>>>> = {
  'wheelhouse.meta.v1.ObjectMeta': { ownerReferences: merge('uid'), finalizers: merge() },
  'wheelhouse.core.v1.PodSpec': {
    volumes: merge('name', true),
    initContainers: merge('name'),
    containers: merge('name'),
    imagePullSecrets: merge('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey'),
    schedulingGates: merge('name'),
  },
  'wheelhouse.core.v1.Container': {
    ports: merge('containerPort'),
    env: merge('name'),
    volumeMounts: merge('mountPath'),
    volumeDevices: merge('devicePath'),
  },
  'wheelhouse.core.v1.PodStatus': { conditions: byType, hostIPs: merge('ip'), podIPs: merge('ip') },
  'wheelhouse.core.v1.NodeSpec': { podCIDRs: merge() },
  'wheelhouse.core.v1.NodeStatus': { conditions: byType, addresses: byType },
  'wheelhouse.core.v1.NamespaceStatus': { conditions: byType },
  'wheelhouse.core.v1.ServiceAccount': { secrets: merge('name') },
  'wheelhouse.core.v1.ServiceSpec': { ports: merge('port') },
  'wheelhouse.core.v1.ServiceStatus': { conditions: byType },
  'wheelhouse.apps.v1.DeploymentSpec': { strategy: { retainKeys: true } },
  'wheelhouse.autoscaling.v2.HorizontalPodAutoscalerStatus': { conditions: byType },
  'wheelhouse.apps.v1.DeploymentStatus': { conditions: byType },
  'wheelhouse.apps.v1.ReplicaSetStatus': { conditions: byType },
  'wheelhouse.apps.v1.DaemonSetStatus': { conditions: byType },
  'wheelhouse.apps.v1.StatefulSetStatus': { conditions: byType },
  'wheelhouse.batch.v1.JobStatus': { conditions: byType },
  'wheelhouse.policy.v1.PodDisruptionBudgetSpec': { selector: { strategy: 'replace' } },
  'wheelhouse.policy.v1.PodDisruptionBudgetStatus': { conditions: byType },
  'wheelhouse.admissionregistration.v1.MutatingWebhookConfiguration': { webhooks: merge('name') },
  'wheelhouse.admissionregistration.v1.ValidatingWebhookConfiguration': { webhooks: merge('name') },
  'wheelhouse.admissionregistration.v1.MutatingWebhook': { matchConditions: merge('name') },
  'wheelhouse.admissionregistration.v1.ValidatingWebhook': { matchConditions: merge('name') },
};

const noMeta: PatchMeta = {};

/**
 * Where a patch is in an object: what the field at hand is tagged with and the
 * schema of its value (of its elements, for a list). `undefined` schemas are
 * free-form: everything below them has the default strategy.
 */
export interface PatchSchema {
  /** The field `name` of the object this schema describes. */
  field(name: string): { readonly meta: PatchMeta; readonly schema: PatchSchema | undefined };
}

/** Messages written in manifests as strings or free-form JSON: nothing below them is tagged. */
const opaque = new Set([
  intOrString,
  timestamp,
  struct,
  'google.protobuf.Value',
  'google.protobuf.ListValue',
]);

const messageSchemas = new WeakMap<DescMessage, PatchSchema>();

function schemaOfMessage(message: DescMessage): PatchSchema {
  let schema = messageSchemas.get(message);
  if (schema) return schema;
  const tags = patchStrategies[message.typeName] ?? {};
  const fields = new Map<string, { meta: PatchMeta; schema: PatchSchema | undefined }>();
  schema = {
    field(name) {
      let found = fields.get(name);
      if (!found) {
        const field = fieldsOf(message).get(name);
        found = { meta: tags[name] ?? noMeta, schema: field ? schemaOfField(field) : undefined };
        fields.set(name, found);
      }
      return found;
    },
  };
  messageSchemas.set(message, schema);
  return schema;
}

/** A map field's schema: every key holds a value of the map's value type. */
function schemaOfMap(values: PatchSchema | undefined): PatchSchema {
  const entry = { meta: noMeta, schema: values };
  return { field: () => entry };
}

function schemaOfField(field: DescField): PatchSchema | undefined {
  switch (field.fieldKind) {
    case 'message':
      return opaque.has(field.message.typeName) ? undefined : schemaOfMessage(field.message);
    case 'list':
      return field.listKind === 'message' && !opaque.has(field.message.typeName)
        ? schemaOfMessage(field.message)
        : undefined;
    case 'map':
      return schemaOfMap(
        field.mapKind === 'message' && !opaque.has(field.message.typeName)
          ? schemaOfMessage(field.message)
          : undefined,
      );
    default:
      return undefined;
  }
}

/**
 * The schema of a kind's manifest (`Pod`, `Deployment`), or `undefined` for a
 * kind Wheelhouse does not know, which then patches as a JSON merge patch.
 * The descriptor set is read once, on first use.
 */
export function schemaOfKind(kind: string): PatchSchema | undefined {
  const info = kinds.find((k) => k.kind === kind);
  if (!info) return undefined;
  return schemaOfMessage(messageType(protoTypeOf(info)));
}

/** The tag and value schema of `name` under `schema`; untagged and free-form when there is no schema. */
export function lookupField(
  schema: PatchSchema | undefined,
  name: string,
): { readonly meta: PatchMeta; readonly schema: PatchSchema | undefined } {
  return schema ? schema.field(name) : { meta: noMeta, schema: undefined };
}
