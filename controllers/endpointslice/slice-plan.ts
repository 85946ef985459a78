/**
 * Which slices to create, update and delete so that a Service's slices hold exactly its
 * desired endpoints (Kubernetes' endpointslice Reconciler), as a pure function of the
 * slices that exist and the endpoints wanted.
 *
 * The plan favours few writes over tidy slices, as Kubernetes does:
 *  1. each existing slice keeps the endpoints still wanted (brought up to date), drops the
 *     others, and is deleted once it holds none; a slice with nothing to change is left
 *     alone;
 *  2. the endpoints left over fill the slices that are being written anyway, fullest
 *     first, up to the limit per slice;
 *  3. what still remains goes to the unchanged slice it fills best (when fewer than a
 *     slice's worth remain), else to new slices;
 *  4. a slice about to be created takes the place of one about to be deleted (one update
 *     instead of a create and a delete);
 *  5. a Service with no endpoints keeps one empty placeholder slice, so that consumers
 *     can tell "no endpoints" from "not synced yet".
 */
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { Endpoint, EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { sameLabels } from '../shared/labels.js';
import type { PortGroup } from './desired-endpoints.js';
import { endpointKey, endpointsEqualBeyondKey } from './endpoint-key.js';
import { portMapKey } from './endpoint-ports.js';
import { newEndpointSlice, ownedBy, sliceLabels } from './managed-slices.js';

export interface SlicePlan {
  readonly create: EndpointSlice[];
  readonly update: EndpointSlice[];
  readonly delete: EndpointSlice[];
}

export interface SlicePlanInput {
  readonly service: Service;
  /** The Service's managed slices, but those being deleted. */
  readonly slices: readonly EndpointSlice[];
  /** Address type → port set key → the endpoints wanted there. */
  readonly desired: ReadonlyMap<string, ReadonlyMap<string, PortGroup>>;
  readonly maxEndpointsPerSlice: number;
}

export function planSlices(input: SlicePlanInput): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  for (const [addressType, groups] of input.desired) {
    const slices = input.slices.filter((s) => s.addressType === addressType);
    const typed = planAddressType(input.service, addressType, slices, groups, input.maxEndpointsPerSlice);
    plan.create.push(...typed.create);
    plan.update.push(...typed.update);
    plan.delete.push(...typed.delete);
  }
  // Slices of an address type the Service no longer has.
  plan.delete.push(...input.slices.filter((s) => !input.desired.has(s.addressType)));
  return plan;
}

function planAddressType(
  service: Service,
  addressType: string,
  slices: readonly EndpointSlice[],
  groups: ReadonlyMap<string, PortGroup>,
  max: number,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    // A slice of an earlier Service of the same name waits for the garbage collector; it
    // must not count as this Service's.
    if (!ownedBy(slice, service)) {
      plan.delete.push(slice);
      continue;
    }
    const key = portMapKey(slice.ports);
    byPorts.set(key, [...(byPorts.get(key) ?? []), slice]);
  }
  for (const [key, group] of groups) {
    const part = planPortGroup(service, addressType, byPorts.get(key) ?? [], group, max);
    plan.create.push(...part.create);
    plan.update.push(...part.update);
    plan.delete.push(...part.delete);
  }
  for (const [key, existing] of byPorts) if (!groups.has(key)) plan.delete.push(...existing);
  keepPlaceholder(service, addressType, slices, plan);
  return recycleDeleted(service, plan);
}

/** Step 5: when nothing would be left, one empty slice stays (or is made). */
function keepPlaceholder(
  service: Service,
  addressType: string,
  slices: readonly EndpointSlice[],
  plan: SlicePlan,
): void {
  if (slices.length !== plan.delete.length || plan.create.length > 0) return;
  const placeholder = newEndpointSlice(service, addressType, []);
  const only = plan.delete.length === 1 ? plan.delete[0] : undefined;
  if (only && isPlaceholder(only, placeholder, service)) plan.delete.length = 0;
  else plan.create.push(placeholder);
}

function isPlaceholder(slice: EndpointSlice, placeholder: EndpointSlice, service: Service): boolean {
  return (
    slice.endpoints.length === 0 &&
    slice.ports.length === 0 &&
    slice.addressType === placeholder.addressType &&
    slice.metadata?.namespace === placeholder.metadata?.namespace &&
    sameLabels(slice.metadata?.labels ?? {}, placeholder.metadata?.labels ?? {}) &&
    ownedBy(slice, service)
  );
}

/** Step 4: a create becomes the update of a slice about to be deleted, of the same Service and address type. */
function recycleDeleted(service: Service, plan: SlicePlan): SlicePlan {
  const create = [...plan.create];
  const update = [...plan.update];
  const remove = [...plan.delete];
  for (let i = 0; i < remove.length && create.length > 0; ) {
    const old = remove[i] as EndpointSlice;
    const fresh = create[create.length - 1] as EndpointSlice;
    if (old.addressType === fresh.addressType && ownedBy(old, service)) {
      create.pop();
      remove.splice(i, 1);
      // The old slice's name and resourceVersion, so that the update is guarded by what was read.
      update.push({
        ...fresh,
        metadata: ObjectMeta.fromPartial({
          ...old.metadata,
          labels: fresh.metadata?.labels ?? {},
          ownerReferences: fresh.metadata?.ownerReferences ?? [],
        }),
      });
    } else {
      i++;
    }
  }
  return { create, update, delete: remove };
}

/** A copy of `slice` with other endpoints and labels; the cached object is never changed. */
function rewritten(
  slice: EndpointSlice,
  endpoints: Endpoint[],
  labels: Record<string, string>,
): EndpointSlice {
  return { ...slice, metadata: ObjectMeta.fromPartial({ ...slice.metadata, labels }), endpoints };
}

/** Takes the first endpoint left (in the Pods' name order). */
function takeOne(wanted: Map<string, Endpoint>): Endpoint | undefined {
  const first = wanted.entries().next();
  if (first.done) return undefined;
  wanted.delete(first.value[0]);
  return first.value[1];
}

function fill(slice: EndpointSlice, wanted: Map<string, Endpoint>, max: number): void {
  while (slice.endpoints.length < max) {
    const endpoint = takeOne(wanted);
    if (!endpoint) return;
    slice.endpoints.push(endpoint);
  }
}

/** The unchanged slice that `count` more endpoints bring closest to full without overflowing it. */
function sliceToFill(
  candidates: readonly EndpointSlice[],
  count: number,
  max: number,
): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  let bestRoom = max;
  for (const slice of candidates) {
    const room = max - (count + slice.endpoints.length);
    if (room >= 0 && room < bestRoom) {
      best = slice;
      bestRoom = room;
      if (room === 0) break;
    }
  }
  return best;
}

/** Steps 1–3 for the slices of one port set. */
function planPortGroup(
  service: Service,
  addressType: string,
  existing: readonly EndpointSlice[],
  group: PortGroup,
  max: number,
): SlicePlan {
  const wanted = new Map(group.endpoints);
  const labels = sliceLabels(service);
  const byName = new Map<string, EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();

  for (const slice of existing) {
    const name = slice.metadata?.name ?? '';
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let changed = false;
    for (const endpoint of slice.endpoints) {
      const key = endpointKey(endpoint);
      const want = wanted.get(key);
      if (!want) continue;
      kept.push(want);
      changed ||= !endpointsEqualBeyondKey(want, endpoint);
      // Found in this slice: it belongs here, and not in another slice as well.
      wanted.delete(key);
    }
    const labelsChanged = !sameLabels(slice.metadata?.labels ?? {}, labels);
    if (changed || kept.length !== slice.endpoints.length) {
      if (kept.length === 0) toDelete.add(name);
      else {
        byName.set(name, rewritten(slice, kept, labels));
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      byName.set(name, rewritten(slice, [...slice.endpoints], labels));
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }

  // Step 2: top up the slices that are written anyway, fullest first.
  const updating = [...toUpdate]
    .map((name) => byName.get(name) as EndpointSlice)
    .sort((a, b) => b.endpoints.length - a.endpoints.length);
  for (const slice of updating) fill(slice, wanted, max);

  // Step 3: an unchanged slice that fits the rest, else new slices.
  const create: EndpointSlice[] = [];
  while (wanted.size > 0) {
    const candidates = [...unchanged].map((name) => byName.get(name) as EndpointSlice);
    const target = wanted.size < max ? sliceToFill(candidates, wanted.size, max) : undefined;
    if (target) {
      const name = target.metadata?.name ?? '';
      const copy = rewritten(target, [...target.endpoints], labels);
      fill(copy, wanted, max);
      byName.set(name, copy);
      unchanged.delete(name);
      toUpdate.add(name);
    } else {
      const slice = newEndpointSlice(service, addressType, group.ports);
      fill(slice, wanted, max);
      create.push(slice);
    }
  }

  return {
    create,
    update: [...toUpdate].map((name) => byName.get(name) as EndpointSlice),
    delete: [...toDelete].map((name) => byName.get(name) as EndpointSlice),
  };
}
