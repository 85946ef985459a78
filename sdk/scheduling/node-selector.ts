/**
 * Node selection by labels and fields, as Kubernetes matches it (component-helpers'
 * nodeaffinity): a pod's `nodeSelector` map, node selector terms (terms ORed, the
 * requirements of one term ANDed), and the two together as a pod's required node
 * affinity. Used by the scheduler's NodeAffinity plugin and by controllers that place
 * pods themselves (DaemonSets).
 *
 * A term with no requirements selects nothing. A term with an invalid requirement (an
 * operator that does not exist, `Gt` without one integer, a field other than
 * `metadata.name`) is left out, as Kubernetes leaves out terms it cannot parse; the
 * reasons are kept in `errors` for whoever wants to report them.
 */
import type { Node } from '../gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import type {
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PreferredSchedulingTerm,
} from '../gen/wheelhouse/core/v1/scheduling.js';

/** The only node field a matchFields requirement may name. */
export const NODE_NAME_FIELD = 'metadata.name';

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

/** The parts of a node that selection reads (a generated `Node` is one). */
export interface NodeLike {
  metadata?: { name?: string; labels?: Readonly<Record<string, string>> } | undefined;
}

type LabelTest = (labels: Readonly<Record<string, string>>) => boolean;

const integer = /^[+-]?\d+$/;

function parseInteger(text: string): bigint | undefined {
  return integer.test(text) ? BigInt(text) : undefined;
}

/** Compiles one label requirement; a string when it is invalid. */
function labelRequirement(req: NodeSelectorRequirement, path: string): LabelTest | string {
  const { key, values } = req;
  if (key === '') return `${path}.key: Required value`;
  switch (req.operator) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0)
        return `${path}.values: Required value: for 'In', 'NotIn' operators, values set can't be empty`;
      const set = new Set(values);
      return req.operator === 'In'
        ? (labels) => {
            const v = labels[key];
            return v !== undefined && set.has(v);
          }
        : (labels) => {
            const v = labels[key];
            return v === undefined || !set.has(v);
          };
    }
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0)
        return `${path}.values: Invalid value: values set must be empty for exists and does not exist`;
      return req.operator === 'Exists' ? (labels) => key in labels : (labels) => !(key in labels);
    case 'Gt':
    case 'Lt': {
      const bound = values.length === 1 ? parseInteger(values[0] ?? '') : undefined;
      if (bound === undefined)
        return `${path}.values: Invalid value: for 'Gt', 'Lt' operators, exactly one integer value is required`;
      const gt = req.operator === 'Gt';
      return (labels) => {
        const text = labels[key];
        const v = text === undefined ? undefined : parseInteger(text);
        if (v === undefined) return false;
        return gt ? v > bound : v < bound;
      };
    }
    default:
      return `${path}.operator: Unsupported value: "${req.operator}": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"`;
  }
}

/** Compiles one field requirement: only `metadata.name` with `In` or `NotIn` and one value. */
function fieldRequirement(req: NodeSelectorRequirement, path: string): ((name: string) => boolean) | string {
  if (req.key !== NODE_NAME_FIELD)
    return `${path}.key: Unsupported value: "${req.key}": supported values: "${NODE_NAME_FIELD}"`;
  if (req.operator !== 'In' && req.operator !== 'NotIn')
    return `${path}.operator: Unsupported value: "${req.operator}": supported values: "In", "NotIn"`;
  const value = req.values[0];
  if (req.values.length !== 1 || value === undefined)
    return `${path}.values: Invalid value: must have exactly one element for matchFields`;
  return req.operator === 'In' ? (name) => name === value : (name) => name !== value;
}

/** A compiled node selector term. */
export interface NodeSelectorTermMatcher {
  /** Why the term was left out; empty when it is valid (and not empty). */
  readonly errors: readonly string[];
  /** Whether the term selects the node: false for an empty or invalid term. */
  matches(node: NodeLike): boolean;
}

export function isEmptyNodeSelectorTerm(term: NodeSelectorTerm | undefined): boolean {
  return term === undefined || (term.matchExpressions.length === 0 && term.matchFields.length === 0);
}

/** Compiles a term once for many nodes. */
export function compileNodeSelectorTerm(
  term: NodeSelectorTerm | undefined,
  path = 'term',
): NodeSelectorTermMatcher {
  if (term === undefined || isEmptyNodeSelectorTerm(term)) return { errors: [], matches: () => false };
  const errors: string[] = [];
  const labelTests: LabelTest[] = [];
  const fieldTests: ((name: string) => boolean)[] = [];
  term.matchExpressions.forEach((req, i) => {
    const t = labelRequirement(req, `${path}.matchExpressions[${i}]`);
    if (typeof t === 'string') errors.push(t);
    else labelTests.push(t);
  });
  term.matchFields.forEach((req, i) => {
    const t = fieldRequirement(req, `${path}.matchFields[${i}]`);
    if (typeof t === 'string') errors.push(t);
    else fieldTests.push(t);
  });
  if (errors.length > 0) return { errors, matches: () => false };
  return {
    errors,
    matches(node) {
      const labels = node.metadata?.labels ?? {};
      for (const t of labelTests) if (!t(labels)) return false;
      const name = node.metadata?.name ?? '';
      for (const t of fieldTests) if (!t(name)) return false;
      return true;
    },
  };
}

/** Whether one term selects the node (compile once with `compileNodeSelectorTerm` for many nodes). */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm | undefined, node: NodeLike): boolean {
  return compileNodeSelectorTerm(term).matches(node);
}

/** A compiled node selector: any term selects the node. */
export interface NodeSelectorMatcher {
  readonly errors: readonly string[];
  matches(node: NodeLike): boolean;
}

export function compileNodeSelector(selector: NodeSelector | undefined): NodeSelectorMatcher {
  const terms = (selector?.nodeSelectorTerms ?? []).map((t, i) =>
    compileNodeSelectorTerm(t, `nodeSelectorTerms[${i}]`),
  );
  return {
    errors: terms.flatMap((t) => t.errors),
    matches: (node) => terms.some((t) => t.matches(node)),
  };
}

/** Whether any term of the selector selects the node; a selector without terms selects nothing. */
export function matchesNodeSelector(selector: NodeSelector | undefined, node: NodeLike): boolean {
  return compileNodeSelector(selector).matches(node);
}

/** Whether the labels hold every key of a `nodeSelector` map with its value; an empty map selects all. */
export function matchesNodeSelectorMap(
  nodeSelector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  for (const [k, v] of Object.entries(nodeSelector ?? {})) if (labels?.[k] !== v) return false;
  return true;
}

/**
 * Where a pod may run by its own constraints: its `nodeSelector` and its required node
 * affinity both hold (either absent holds). Compiled once per pod.
 */
export interface RequiredNodeAffinity {
  readonly errors: readonly string[];
  matches(node: NodeLike): boolean;
}

export function requiredNodeAffinityOf(pod: Pod): RequiredNodeAffinity {
  const nodeSelector = Object.entries(pod.spec?.nodeSelector ?? {});
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const selector = required === undefined ? undefined : compileNodeSelector(required);
  return {
    errors: selector?.errors ?? [],
    matches(node) {
      const labels = node.metadata?.labels;
      for (const [k, v] of nodeSelector) if (labels?.[k] !== v) return false;
      return selector === undefined || selector.matches(node);
    },
  };
}

/** Whether the pod's nodeSelector and required node affinity select the node. */
export function podMatchesNodeAffinity(pod: Pod, node: Node | NodeLike): boolean {
  return requiredNodeAffinityOf(pod).matches(node);
}

/** Preferred terms compiled once: `score(node)` is the sum of the weights of the terms the node matches. */
export interface PreferredSchedulingTerms {
  readonly errors: readonly string[];
  score(node: NodeLike): number;
}

/** Terms of weight 0 or with no requirements are left out, as Kubernetes does. */
export function compilePreferredSchedulingTerms(
  terms: readonly PreferredSchedulingTerm[],
): PreferredSchedulingTerms {
  const compiled: { weight: number; term: NodeSelectorTermMatcher }[] = [];
  const errors: string[] = [];
  terms.forEach((t, i) => {
    if (t.weight === 0 || isEmptyNodeSelectorTerm(t.preference)) return;
    const term = compileNodeSelectorTerm(t.preference, `[${i}].preference`);
    if (term.errors.length > 0) errors.push(...term.errors);
    else compiled.push({ weight: t.weight, term });
  });
  return {
    errors,
    score(node) {
      let sum = 0;
      for (const { weight, term } of compiled) if (term.matches(node)) sum += weight;
      return sum;
    },
  };
}
