/**
 * Services and the Pods their selectors pick. A Service's selector is a plain label set
 * (every pair must match); an empty one picks nothing here, since such a Service's
 * endpoints are someone else's to keep.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { SharedInformer } from '../../sdk/informers/index.js';
import { NAMESPACE_INDEX } from '../../sdk/informers/index.js';
import { fromSet, matches, nothing, type Selector } from '../../sdk/labels/index.js';

export interface ServiceSelectors {
  /** `namespace/name` of the cached Services whose selector matches the Pod. */
  servicesOf(pod: Pod): Set<string>;
  /** The Pods among `candidates` that the Service's selector matches. */
  podsOf(service: Service, candidates: readonly Pod[]): Pod[];
}

export function createServiceSelectors(services: SharedInformer<Service>): ServiceSelectors {
  // Per cached object: a Service's selector is parsed once per version of it, not per Pod event.
  const parsed = new WeakMap<Service, Selector>();
  const selectorOf = (service: Service): Selector => {
    let selector = parsed.get(service);
    if (!selector) {
      const set = service.spec?.selector ?? {};
      try {
        selector = Object.keys(set).length === 0 ? nothing() : fromSet(set);
      } catch {
        // The apiserver validates selectors; one that does not parse picks nothing.
        selector = nothing();
      }
      parsed.set(service, selector);
    }
    return selector;
  };
  return {
    servicesOf(pod) {
      const keys = new Set<string>();
      const namespace = pod.metadata?.namespace ?? '';
      for (const service of services.indexer.byIndex(NAMESPACE_INDEX, namespace)) {
        if (matches(selectorOf(service), pod.metadata?.labels)) {
          keys.add(`${namespace}/${service.metadata?.name ?? ''}`);
        }
      }
      return keys;
    },
    podsOf(service, candidates) {
      const selector = selectorOf(service);
      return candidates.filter((pod) => matches(selector, pod.metadata?.labels));
    },
  };
}
