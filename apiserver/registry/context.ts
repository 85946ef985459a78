/** Small helpers shared by the registry's operations. */
import { ApiError } from '../../sdk/errors.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo } from '../../sdk/kinds.js';
import type { RequestContext } from './request-context.js';

/** apiVersion and kind may be left out of a request; when given, they must name this kind. */
export function checkTypeMeta(info: KindInfo, obj: KindObject): void {
  const apiVersion = apiVersionOf(info);
  if (
    (obj.apiVersion !== '' && obj.apiVersion !== apiVersion) ||
    (obj.kind !== '' && obj.kind !== info.kind)
  ) {
    throw ApiError.invalid(
      `this endpoint serves ${info.kind} (apiVersion ${apiVersion}); the request carries apiVersion "${obj.apiVersion}", kind "${obj.kind}"`,
    );
  }
  obj.apiVersion = apiVersion;
  obj.kind = info.kind;
}

const generateAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' generateName suffix: five characters that cannot spell words. */
export function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += generateAlphabet[Math.floor(Math.random() * generateAlphabet.length)];
  return out;
}

/** A revision given by a client as a resourceVersion string; '' and '0' mean "none". */
export function parseResourceVersion(rv: string, field = 'resourceVersion'): number | undefined {
  if (rv === '' || rv === '0') return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(rv)) {
    throw ApiError.invalid(
      `${field}: Invalid value: "${rv}": must be a resourceVersion returned by the server`,
      [{ field, reason: 'FieldValueInvalid', message: 'must be a resourceVersion returned by the server' }],
    );
  }
  return Number(rv);
}

/** The context of the apiserver's own writes (system namespaces, bootstrap policy, quota usage). */
export function systemContext(dryRun = false): RequestContext {
  return {
    user: 'system:apiserver',
    groups: ['system:masters'],
    dryRun,
    now: new Date(),
    fieldManager: 'wheelhouse-apiserver',
  };
}
