/**
 * What `whctl expose` reads of the object it exposes, as kubectl's polymorphic helpers
 * read it: the labels that select its pods, and the ports those pods serve with their
 * protocols. Pods, Services, Deployments and ReplicaSets can be exposed; nothing else.
 */
import type { Deployment } from '../../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod, PodSpec } from '../../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../../../sdk/gen/wheelhouse/core/v1/service.js';
import type { LabelSelector, LabelSelectorRequirement } from '../../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../../sdk/kinds.js';
import { UsageError } from '../../usage-error.js';

/** A port the exposed pods serve. */
export interface ServedPort {
  readonly port: number;
  readonly protocol: string;
}

export interface Exposable {
  /**
   * The labels of the pods, as a Service's selector; throws when the object has none to
   * give (a Pod without labels) or a selector a Service cannot hold (matchExpressions).
   * Asked only when --selector does not say.
   */
  podSelector(): Record<string, string>;
  /** Every port of its containers (a Service's own ports), in order, a protocol each. */
  readonly ports: readonly ServedPort[];
}

const exposables: Readonly<Record<string, (object: KindObject) => Exposable>> = {
  Pod: (object) => {
    const pod = object as Pod;
    return {
      podSelector() {
        const labels = pod.metadata?.labels ?? {};
        if (Object.keys(labels).length === 0) throw new Error('the pod has no labels and cannot be exposed');
        return labels;
      },
      ports: containerPorts(pod.spec),
    };
  },
  Service: (object) => {
    const svc = object as Service;
    return {
      podSelector() {
        const selector = svc.spec?.selector ?? {};
        if (Object.keys(selector).length === 0) throw new Error('the service has no pod selector set');
        return selector;
      },
      ports: (svc.spec?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol || 'TCP' })),
    };
  },
  Deployment: (object) => {
    const spec = (object as Deployment).spec;
    return {
      podSelector: () => matchLabelsOf(spec?.selector, 'deployment'),
      ports: containerPorts(spec?.template?.spec),
    };
  },
  ReplicaSet: (object) => {
    const spec = (object as ReplicaSet).spec;
    return {
      podSelector: () => matchLabelsOf(spec?.selector, 'replicaset'),
      ports: containerPorts(spec?.template?.spec),
    };
  },
};

/** Whether the kind can be exposed at all: a question of the kind, asked before the object is read. */
export function checkExposable(info: KindInfo): void {
  if (exposables[info.kind]) return;
  // kubectl names the kind with its group: `DaemonSet.apps`.
  throw new UsageError(`cannot expose a ${info.kind}${info.apiGroup ? `.${info.apiGroup}` : ''}`);
}

export function exposableOf(info: KindInfo, object: KindObject): Exposable {
  checkExposable(info);
  return (exposables[info.kind] as (object: KindObject) => Exposable)(object);
}

/** The containers' ports; an unset protocol is TCP, as the apiserver defaults it. */
function containerPorts(spec: PodSpec | undefined): ServedPort[] {
  return (spec?.containers ?? []).flatMap((c) =>
    c.ports.map((p) => ({ port: p.containerPort, protocol: p.protocol || 'TCP' })),
  );
}

/**
 * A workload's selector as a Service's: only matchLabels can be one, since a Service
 * selects by equality alone.
 */
function matchLabelsOf(selector: LabelSelector | undefined, kind: string): Record<string, string> {
  const labels = selector?.matchLabels ?? {};
  if (Object.keys(labels).length === 0)
    throw new Error(`invalid ${kind}: no selectors, therefore cannot be exposed`);
  const expressions = selector?.matchExpressions ?? [];
  if (expressions.length > 0)
    throw new Error(`couldn't convert expressions - "${goFormat(expressions)}" to map-based selector format`);
  return labels;
}

/** The requirements as kubectl's message prints them (Go's %+v): `[{Key:tier Operator:In Values:[a b]}]`. */
function goFormat(expressions: readonly LabelSelectorRequirement[]): string {
  const items = expressions.map(
    (e) => `{Key:${e.key} Operator:${e.operator} Values:[${e.values.join(' ')}]}`,
  );
  return `[${items.join(' ')}]`;
}
