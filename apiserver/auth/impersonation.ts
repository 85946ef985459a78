/**
 * User impersonation, as Kubernetes' impersonation filter does it: a request carrying
 * `Impersonate-User` (and optionally `Impersonate-Group`, repeated, `Impersonate-Uid` and
 * `Impersonate-Extra-<key>`) acts as that user, once the caller has been authorized to
 * `impersonate` each part — `users` by name (`serviceaccounts` in their namespace for a
 * `system:serviceaccount:<ns>:<name>`), `groups` by name, `uids` and `userextras/<key>`
 * by value in `authentication.k8s.io`. The same headers are read from the REST API's
 * HTTP headers and from gRPC metadata (both lower-cased). A request that names groups or
 * extras without a user is refused; so is any part the caller may not impersonate, with
 * what it lacks. Without the headers the caller acts as itself.
 */
import type { Metadata } from '@grpc/grpc-js';
import { ApiError } from '../../sdk/errors.js';
import type { Authorizer, UserInfo } from './types.js';

/** The request's headers (or metadata), by lower-cased name. */
export interface RequestHeaders {
  get(name: string): readonly string[];
  names(): readonly string[];
}

const USER = 'impersonate-user';
const GROUP = 'impersonate-group';
const UID = 'impersonate-uid';
const EXTRA = 'impersonate-extra-';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const AUTHENTICATION_GROUP = 'authentication.k8s.io';

/** The user `caller` acts as: the impersonated one when the headers ask and the caller may, else itself. */
export async function impersonatedUser(
  caller: UserInfo,
  headers: RequestHeaders,
  authorizer: Authorizer,
): Promise<UserInfo> {
  const users = headers.get(USER);
  const groups = headers.get(GROUP);
  const uids = headers.get(UID);
  const extraNames = headers.names().filter((n) => n.startsWith(EXTRA));
  if (users.length === 0) {
    if (groups.length > 0 || uids.length > 0 || extraNames.length > 0) {
      throw ApiError.invalid(
        'requested impersonation of groups, a uid or extras without impersonating a user',
      );
    }
    return caller;
  }
  if (users.length > 1 || uids.length > 1) {
    throw ApiError.invalid('Impersonate-User and Impersonate-Uid may each be given once');
  }
  const name = users[0] as string;
  const checks: { resource: string; apiGroup: string; namespace: string; name: string }[] = [];
  const serviceAccount = serviceAccountOf(name);
  if (serviceAccount) checks.push({ resource: 'serviceaccounts', apiGroup: '', ...serviceAccount });
  else checks.push({ resource: 'users', apiGroup: '', namespace: '', name });
  for (const group of groups) checks.push({ resource: 'groups', apiGroup: '', namespace: '', name: group });
  const uid = uids[0] ?? '';
  if (uid !== '') checks.push({ resource: 'uids', apiGroup: AUTHENTICATION_GROUP, namespace: '', name: uid });
  const extra: Record<string, string[]> = {};
  for (const header of extraNames) {
    const key = decodeURIComponent(header.slice(EXTRA.length));
    const values = [...headers.get(header)];
    extra[key] = values;
    for (const value of values)
      checks.push({
        resource: `userextras/${key}`,
        apiGroup: AUTHENTICATION_GROUP,
        namespace: '',
        name: value,
      });
  }
  for (const check of checks) {
    const [resource, subresource = ''] = check.resource.split('/');
    const decision = await authorizer.authorize({
      user: caller,
      verb: 'impersonate',
      apiGroup: check.apiGroup,
      resource: resource as string,
      subresource,
      namespace: check.namespace,
      name: check.name,
    });
    if (!decision.allowed) {
      const group = check.apiGroup === '' ? '' : ` in API group "${check.apiGroup}"`;
      const where =
        check.namespace === '' ? ' at the cluster scope' : ` in the namespace "${check.namespace}"`;
      throw ApiError.forbidden(
        `${resource} "${check.name}" is forbidden: User "${caller.name}" cannot impersonate resource "${check.resource}"${group}${where}`,
      );
    }
  }
  // As Kubernetes: a service account's own groups, and system:authenticated for anyone
  // but the anonymous user.
  const all = [...groups];
  if (serviceAccount)
    all.push('system:serviceaccounts', `system:serviceaccounts:${serviceAccount.namespace}`);
  if (name !== 'system:anonymous' && !all.includes('system:authenticated')) all.push('system:authenticated');
  return {
    name,
    uid,
    groups: [...new Set(all)],
    ...(extraNames.length > 0 ? { extra } : {}),
    impersonator: caller,
  };
}

function serviceAccountOf(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const [namespace, name, ...rest] = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (!namespace || !name || rest.length > 0) return undefined;
  return { namespace, name };
}

/**
 * HTTP headers as RequestHeaders. HTTP/2 keeps a repeated header as an array; HTTP/1.1
 * joins the values with ", " (Impersonate-Group may repeat; Kubernetes' group names hold
 * no comma), so they are split again.
 */
export function httpHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  httpVersionMajor: number,
): RequestHeaders {
  const joined = httpVersionMajor === 1;
  return {
    get: (name) => {
      const value = headers[name];
      if (value === undefined) return [];
      const values = Array.isArray(value) ? value : [value];
      return joined ? values.flatMap((v) => v.split(/,\s*/)) : values;
    },
    names: () => Object.keys(headers),
  };
}

/** gRPC metadata as RequestHeaders (string values only). */
export function metadataHeaders(metadata: Metadata): RequestHeaders {
  return {
    get: (name) => metadata.get(name).filter((v): v is string => typeof v === 'string'),
    names: () => Object.keys(metadata.getMap()),
  };
}
