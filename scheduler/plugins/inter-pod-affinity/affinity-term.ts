/**
 * A pod's (anti-)affinity terms compiled once (kube-scheduler's framework.AffinityTerm):
 * the label selector with the owner's matchLabelKeys/mismatchLabelKeys folded in, the
 * namespaces it looks in, and the topology key. The terms belong to the pod that wrote
 * them: matchLabelKeys take their values from that pod, and with neither `namespaces`
 * nor `namespaceSelector` the term looks only in that pod's namespace.
 *
 * Compiled terms are cached per Pod object: the informer hands out a new object on
 * every change, so a cached entry is never stale, and existing pods are compiled once
 * rather than once per scheduling cycle.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  PodAffinityTerm,
  WeightedPodAffinityTerm,
} from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import {
  fromLabelSelector,
  fromRequirements,
  type Labels,
  matches,
  newRequirement,
  type Requirement,
  type Selector,
} from '../../../sdk/labels/index.js';

export interface AffinityTerm {
  readonly topologyKey: string;
  /** Which pods the term selects, by their labels. */
  readonly selector: Selector;
  /** Namespaces named explicitly (or the owner's, when neither field is set). */
  readonly namespaces: ReadonlySet<string>;
  /** Namespaces selected by their labels; `nothing()` when the term has no namespaceSelector. */
  readonly namespaceSelector: Selector;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface AffinityTerms {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  /** Terms left out because their selector was invalid (the apiserver validates, so normally empty). */
  readonly errors: readonly string[];
}

const cache = new WeakMap<Pod, AffinityTerms>();

/** The pod's terms, compiled on first use. */
export function affinityTermsOf(pod: Pod): AffinityTerms {
  let terms = cache.get(pod);
  if (terms === undefined) {
    terms = compile(pod);
    cache.set(pod, terms);
  }
  return terms;
}

/**
 * Whether the term selects `pod`: the pod lives in one of the term's namespaces (by
 * name, or by `nsLabels`, the labels of the pod's namespace) and its labels match.
 */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels: Labels | undefined): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (!term.namespaces.has(ns) && !matches(term.namespaceSelector, nsLabels ?? {})) return false;
  return matches(term.selector, pod.metadata?.labels);
}

/** Whether every term selects `pod` (false for no terms, as kube's podMatchesAllAffinityTerms). */
export function matchesAllTerms(
  terms: readonly AffinityTerm[],
  pod: Pod,
  nsLabels: Labels | undefined,
): boolean {
  if (terms.length === 0) return false;
  return terms.every((t) => termMatches(t, pod, nsLabels));
}

function compile(pod: Pod): AffinityTerms {
  const errors: string[] = [];
  const a = pod.spec?.affinity;
  const required = (list: readonly PodAffinityTerm[] | undefined, path: string) =>
    (list ?? []).flatMap((t, i) => {
      const term = compileTerm(pod, t, `${path}[${i}]`, errors);
      return term === undefined ? [] : [term];
    });
  const preferred = (list: readonly WeightedPodAffinityTerm[] | undefined, path: string) =>
    (list ?? []).flatMap((w, i): WeightedAffinityTerm[] => {
      if (w.podAffinityTerm === undefined || w.weight === 0) return [];
      const term = compileTerm(pod, w.podAffinityTerm, `${path}[${i}].podAffinityTerm`, errors);
      return term === undefined ? [] : [{ ...term, weight: w.weight }];
    });
  const aff = a?.podAffinity;
  const anti = a?.podAntiAffinity;
  return {
    requiredAffinity: required(
      aff?.requiredDuringSchedulingIgnoredDuringExecution,
      'podAffinity.requiredDuringSchedulingIgnoredDuringExecution',
    ),
    requiredAntiAffinity: required(
      anti?.requiredDuringSchedulingIgnoredDuringExecution,
      'podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution',
    ),
    preferredAffinity: preferred(
      aff?.preferredDuringSchedulingIgnoredDuringExecution,
      'podAffinity.preferredDuringSchedulingIgnoredDuringExecution',
    ),
    preferredAntiAffinity: preferred(
      anti?.preferredDuringSchedulingIgnoredDuringExecution,
      'podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution',
    ),
    errors,
  };
}

function compileTerm(
  owner: Pod,
  term: PodAffinityTerm,
  path: string,
  errors: string[],
): AffinityTerm | undefined {
  try {
    const selector = withLabelKeys(
      fromLabelSelector(term.labelSelector),
      owner.metadata?.labels ?? {},
      term.matchLabelKeys,
      term.mismatchLabelKeys,
    );
    const namespaceSelector = fromLabelSelector(term.namespaceSelector);
    const namespaces =
      term.namespaces.length === 0 && term.namespaceSelector === undefined
        ? new Set([owner.metadata?.namespace ?? ''])
        : new Set(term.namespaces);
    return { topologyKey: term.topologyKey, selector, namespaces, namespaceSelector };
  } catch (err) {
    errors.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/**
 * Narrows the selector by the owner's labels: `key in (value)` for each matchLabelKeys
 * key and `key notin (value)` for each mismatchLabelKeys key the owner carries (keys it
 * lacks are ignored, as Kubernetes does). A selector that matches nothing stays so.
 */
function withLabelKeys(
  selector: Selector,
  ownerLabels: Labels,
  matchKeys: readonly string[],
  mismatchKeys: readonly string[],
): Selector {
  if (selector.matchesNothing || (matchKeys.length === 0 && mismatchKeys.length === 0)) return selector;
  const extra: Requirement[] = [];
  for (const key of matchKeys) {
    const v = ownerLabels[key];
    if (v !== undefined) extra.push(newRequirement(key, 'In', [v]));
  }
  for (const key of mismatchKeys) {
    const v = ownerLabels[key];
    if (v !== undefined) extra.push(newRequirement(key, 'NotIn', [v]));
  }
  return extra.length === 0 ? selector : fromRequirements([...selector.requirements, ...extra]);
}
