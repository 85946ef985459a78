/**
 * The Event strategy (Kubernetes' pkg/registry/core/event): events are about
 * one object, are Normal or Warning, and expire after the configured TTL.
 */
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateNonNegative } from '../../validation/values.js';
import { infoOf } from '../kind-info.js';
import { validateEnum } from '../shared/rules.js';

export const eventTypes = ['Normal', 'Warning'];
const involvedPath = FieldPath.of('involvedObject');

function validateEvent(event: Event): ErrorList {
  const errs: ErrorList = [];
  const involved = event.involvedObject;
  if (!involved) {
    errs.push(required(involvedPath, ''));
  } else {
    if (involved.kind === '') errs.push(required(involvedPath.child('kind'), ''));
    if (involved.name === '') errs.push(required(involvedPath.child('name'), ''));
    // An event lives beside its object; events about cluster-scoped objects live in `default`.
    const namespace = event.metadata?.namespace ?? '';
    const expected = involved.namespace === '' ? ['', 'default'] : [involved.namespace];
    if (!expected.includes(namespace)) {
      errs.push(
        invalid(involvedPath.child('namespace'), involved.namespace, 'does not match event.namespace'),
      );
    }
  }
  errs.push(...validateEnum(event.type, eventTypes, FieldPath.of('type')));
  errs.push(...validateNonNegative(event.count, FieldPath.of('count')));
  return errs;
}

export function eventStrategy(eventTtlSeconds: number): Strategy<Event> {
  return {
    info: infoOf('Event'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults() {},
    prepareForCreate() {},
    validate: validateEvent,
    prepareForUpdate() {},
    validateUpdate: validateEvent,
    fieldSelectors: {
      'involvedObject.kind': (e) => e.involvedObject?.kind,
      'involvedObject.namespace': (e) => e.involvedObject?.namespace,
      'involvedObject.name': (e) => e.involvedObject?.name,
      'involvedObject.uid': (e) => e.involvedObject?.uid,
      'involvedObject.apiVersion': (e) => e.involvedObject?.apiVersion,
      'involvedObject.resourceVersion': (e) => e.involvedObject?.resourceVersion,
      'involvedObject.fieldPath': (e) => e.involvedObject?.fieldPath,
      reason: (e) => e.reason,
      reportingComponent: (e) => e.reportingComponent,
      source: (e) => e.source?.component,
      type: (e) => e.type,
    },
    ttlSeconds: () => eventTtlSeconds,
  };
}
