/**
 * What the client accepts, as kube-apiserver negotiates it: JSON objects, or a
 * `meta.k8s.io/v1` Table (`application/json;as=Table;v=v1;g=meta.k8s.io`, what `kubectl
 * get` asks for first), or aggregated discovery. Protobuf and YAML answers are not
 * served: a client that accepts nothing else is told so (406); kubectl's typed clients
 * ask for protobuf or any type, and read the JSON answer.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './errors.js';

export interface MediaType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

export type ObjectForm = 'object' | 'table';

/** The media types of an Accept header, in the order given (clients list them by preference). */
export function parseAccept(header: string | undefined): MediaType[] {
  if (!header) return [{ type: '*/*', params: new Map() }];
  return header.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((p) => p.trim());
    const params = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
    }
    return { type: type.toLowerCase(), params };
  });
}

function isJson(m: MediaType): boolean {
  return m.type === 'application/json' || m.type === 'application/*' || m.type === '*/*';
}

/** The form a response of objects takes: the first acceptable of Table and plain JSON. */
export function objectFormOf(headers: IncomingHttpHeaders): ObjectForm {
  for (const m of parseAccept(headers.accept)) {
    if (!isJson(m)) continue;
    const as = m.params.get('as');
    if (as === undefined) return 'object';
    if (as === 'Table' && m.params.get('g') === 'meta.k8s.io' && m.params.get('v') === 'v1') return 'table';
  }
  throw HttpError.notAcceptable(
    `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io (asked for ${headers.accept ?? ''})`,
  );
}

/** Throws 406 unless the Accept header admits a plain JSON answer. */
export function acceptsJson(headers: IncomingHttpHeaders): void {
  if (parseAccept(headers.accept).some(isJson)) return;
  throw HttpError.notAcceptable(
    `only the following media types are accepted: application/json (asked for ${headers.accept ?? ''})`,
  );
}

/** True when the client asks for aggregated discovery (`as=APIGroupDiscoveryList`, v2) before plain JSON. */
export function wantsAggregatedDiscovery(headers: IncomingHttpHeaders): boolean {
  for (const m of parseAccept(headers.accept)) {
    if (!isJson(m)) continue;
    const as = m.params.get('as');
    if (as === undefined) return false;
    if (
      as === 'APIGroupDiscoveryList' &&
      m.params.get('g') === 'apidiscovery.k8s.io' &&
      m.params.get('v') === 'v2'
    )
      return true;
  }
  return false;
}
