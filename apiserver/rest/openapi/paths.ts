/**
 * The paths of a group-version's document, with their operations as Kubernetes
 * describes them: `x-kubernetes-action`, `x-kubernetes-group-version-kind` and the
 * query parameters each verb takes. kubectl reads the PATCH operation of a kind to
 * learn whether the server validates fields itself (`fieldValidation`); when it does,
 * kubectl sends `fieldValidation=Strict` and leaves validation to the server.
 */
import type { KindInfo } from '../../../sdk/kinds.js';
import { deleteOptionsName, groupWord, patchName, statusName } from './names.js';
import { type GroupVersionKind, refTo, type Schema } from './schema.js';

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly description: string;
  readonly required?: boolean;
  readonly schema: Schema;
}

export interface Operation {
  description: string;
  operationId: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }>; required: boolean };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export interface PathItem {
  parameters?: Parameter[];
  get?: Operation;
  put?: Operation;
  post?: Operation;
  patch?: Operation;
  delete?: Operation;
}

const query = (name: string, description: string, schema: Schema): Parameter => ({
  name,
  in: 'query',
  description,
  schema,
});

const pathParam = (name: string, description: string): Parameter => ({
  name,
  in: 'path',
  description,
  required: true,
  schema: { type: 'string' },
});

const pretty = query('pretty', "If 'true', the output is pretty printed.", { type: 'string' });
const dryRun = query(
  'dryRun',
  'When present, modifications are not persisted. The only valid value is All: every stage of the request is processed, nothing is stored.',
  { type: 'string' },
);
const fieldManager = query(
  'fieldManager',
  'A name for the actor making the change, recorded in managedFields. At most 128 printable characters.',
  { type: 'string' },
);
const fieldValidation = query(
  'fieldValidation',
  'What to do with unknown or duplicate fields in the body: Ignore drops them, Warn (the default) drops them and answers a warning for each, Strict fails the request with an error naming each one.',
  { type: 'string', enum: ['Ignore', 'Warn', 'Strict'] },
);
const force = query(
  'force',
  'Apply requests only: take ownership of fields other managers own instead of failing with a conflict.',
  { type: 'boolean' },
);
const gracePeriodSeconds = query(
  'gracePeriodSeconds',
  "Seconds before the object is deleted; zero deletes at once. Unset means the kind's default.",
  { type: 'integer' },
);
const propagationPolicy = query(
  'propagationPolicy',
  'Whether and how dependents are garbage collected: Orphan, Background or Foreground.',
  { type: 'string' },
);

const listParameters: Parameter[] = [
  query('allowWatchBookmarks', 'Watch only: send BOOKMARK events carrying the current resourceVersion.', {
    type: 'boolean',
  }),
  query('continue', 'The token of the next page, from the metadata.continue of the previous one.', {
    type: 'string',
  }),
  query('fieldSelector', 'Restricts the objects by their fields (metadata.name=x,status.phase!=Running).', {
    type: 'string',
  }),
  query('labelSelector', 'Restricts the objects by their labels (app=web,tier in (a,b)).', {
    type: 'string',
  }),
  query('limit', 'The most objects to return in one page; the rest are reached through continue.', {
    type: 'integer',
  }),
  query('resourceVersion', 'The resourceVersion to list at or watch from; see resourceVersionMatch.', {
    type: 'string',
  }),
  query('resourceVersionMatch', 'How resourceVersion applies to a list: Exact or NotOlderThan.', {
    type: 'string',
  }),
  query('sendInitialEvents', 'Watch only: start with ADDED events for every existing object.', {
    type: 'boolean',
  }),
  query('timeoutSeconds', 'Ends a list or a watch after this many seconds.', { type: 'integer' }),
  query('watch', 'Stream ADDED, MODIFIED and DELETED events instead of answering a list.', {
    type: 'boolean',
  }),
];

function json(schema: Schema): Record<string, { schema: Schema }> {
  return { 'application/json': { schema } };
}

const patchBody = {
  content: Object.fromEntries(
    [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ].map((type) => [type, { schema: refTo(patchName) }]),
  ),
  required: true,
};

const unauthorized = { description: 'Unauthorized' };

/** What the operations of one resource path share. */
interface Target {
  readonly word: string;
  readonly tag: string;
  readonly kindWord: string;
  readonly gvk: GroupVersionKind;
  readonly schema: Schema;
}

function read(t: Target, what: string, extra: string): Operation {
  return {
    description: `read ${what}`,
    operationId: `read${t.word}${extra}${t.kindWord}`,
    tags: [t.tag],
    responses: { '200': { description: 'OK', content: json(t.schema) }, '401': unauthorized },
    'x-kubernetes-action': 'get',
    'x-kubernetes-group-version-kind': t.gvk,
  };
}

function replace(t: Target, what: string, extra: string): Operation {
  return {
    description: `replace ${what}`,
    operationId: `replace${t.word}${extra}${t.kindWord}`,
    tags: [t.tag],
    parameters: [dryRun, fieldManager, fieldValidation],
    requestBody: { content: json(t.schema), required: true },
    responses: {
      '200': { description: 'OK', content: json(t.schema) },
      '201': { description: 'Created', content: json(t.schema) },
      '401': unauthorized,
    },
    'x-kubernetes-action': 'put',
    'x-kubernetes-group-version-kind': t.gvk,
  };
}

function patch(t: Target, what: string, extra: string): Operation {
  return {
    description: `partially update ${what}`,
    operationId: `patch${t.word}${extra}${t.kindWord}`,
    tags: [t.tag],
    parameters: [dryRun, fieldManager, fieldValidation, force],
    requestBody: patchBody,
    responses: {
      '200': { description: 'OK', content: json(t.schema) },
      '201': { description: 'Created', content: json(t.schema) },
      '401': unauthorized,
    },
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': t.gvk,
  };
}

/** The paths of one kind: its collection, its objects, their status and scale. */
export function kindPaths(
  info: KindInfo,
  version: string,
  schemaOf: { object: Schema; list: Schema; scale?: Schema },
): Record<string, PathItem> {
  const prefix = info.apiGroup === '' ? `/api/${version}` : `/apis/${info.apiGroup}/${version}`;
  const group = groupWord(info.apiGroup);
  const word = `${group}${version.charAt(0).toUpperCase()}${version.slice(1)}`;
  const tag = `${group.charAt(0).toLowerCase()}${group.slice(1)}_${version}`;
  const gvk = { group: info.apiGroup, version, kind: info.kind };
  const scope = info.namespaced ? 'Namespaced' : '';
  const base = info.namespaced
    ? `${prefix}/namespaces/{namespace}/${info.resource}`
    : `${prefix}/${info.resource}`;
  const namespace = pathParam('namespace', 'object name and auth scope, such as for teams and projects');
  const name = pathParam('name', `name of the ${info.kind}`);
  const scoped = info.namespaced ? [namespace] : [];
  const self: Target = { word, tag, kindWord: info.kind, gvk, schema: schemaOf.object };
  const one = `the specified ${info.kind}`;
  const status = refTo(statusName);

  const paths: Record<string, PathItem> = {};
  paths[base] = {
    parameters: [...scoped, pretty],
    get: {
      description: `list or watch objects of kind ${info.kind}`,
      operationId: `list${word}${scope}${info.kind}`,
      tags: [tag],
      parameters: listParameters,
      responses: { '200': { description: 'OK', content: json(schemaOf.list) }, '401': unauthorized },
      'x-kubernetes-action': 'list',
      'x-kubernetes-group-version-kind': gvk,
    },
    post: {
      description: `create a ${info.kind}`,
      operationId: `create${word}${scope}${info.kind}`,
      tags: [tag],
      parameters: [dryRun, fieldManager, fieldValidation],
      requestBody: { content: json(schemaOf.object), required: true },
      responses: {
        '200': { description: 'OK', content: json(schemaOf.object) },
        '201': { description: 'Created', content: json(schemaOf.object) },
        '202': { description: 'Accepted', content: json(schemaOf.object) },
        '401': unauthorized,
      },
      'x-kubernetes-action': 'post',
      'x-kubernetes-group-version-kind': gvk,
    },
    delete: {
      description: `delete collection of ${info.kind}`,
      operationId: `deletecollection${word}${scope}${info.kind}`,
      tags: [tag],
      parameters: [
        ...listParameters.filter((p) => p.name !== 'watch'),
        dryRun,
        gracePeriodSeconds,
        propagationPolicy,
      ],
      requestBody: { content: json(refTo(deleteOptionsName)), required: false },
      responses: { '200': { description: 'OK', content: json(status) }, '401': unauthorized },
      'x-kubernetes-action': 'deletecollection',
      'x-kubernetes-group-version-kind': gvk,
    },
  };
  paths[`${base}/{name}`] = {
    parameters: [name, ...scoped, pretty],
    get: read(self, one, scope),
    put: replace(self, one, scope),
    patch: patch(self, one, scope),
    delete: {
      description: `delete a ${info.kind}`,
      operationId: `delete${word}${scope}${info.kind}`,
      tags: [tag],
      parameters: [dryRun, gracePeriodSeconds, propagationPolicy],
      requestBody: { content: json(refTo(deleteOptionsName)), required: false },
      responses: {
        '200': { description: 'OK', content: json(schemaOf.object) },
        '202': { description: 'Accepted', content: json(schemaOf.object) },
        '401': unauthorized,
      },
      'x-kubernetes-action': 'delete',
      'x-kubernetes-group-version-kind': gvk,
    },
  };
  if (info.namespaced) {
    paths[`${prefix}/${info.resource}`] = {
      parameters: [pretty],
      get: {
        description: `list or watch objects of kind ${info.kind} in every namespace`,
        operationId: `list${word}${info.kind}ForAllNamespaces`,
        tags: [tag],
        parameters: listParameters,
        responses: { '200': { description: 'OK', content: json(schemaOf.list) }, '401': unauthorized },
        'x-kubernetes-action': 'list',
        'x-kubernetes-group-version-kind': gvk,
      },
    };
  }
  if (info.status) {
    const t = { ...self, kindWord: `${info.kind}Status` };
    const what = `status of ${one}`;
    paths[`${base}/{name}/status`] = {
      parameters: [name, ...scoped, pretty],
      get: read(t, what, scope),
      put: replace(t, what, scope),
      patch: patch(t, what, scope),
    };
  }
  if (info.scale && schemaOf.scale) {
    const t: Target = {
      ...self,
      kindWord: `${info.kind}Scale`,
      gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      schema: schemaOf.scale,
    };
    const what = `scale of ${one}`;
    paths[`${base}/{name}/scale`] = {
      parameters: [name, ...scoped, pretty],
      get: read(t, what, scope),
      put: replace(t, what, scope),
      patch: patch(t, what, scope),
    };
  }
  return paths;
}

/** How a subresource answers, for its operations: a schema, or text (logs, streams). */
export type SubresourceBody =
  | { readonly schema: Schema; readonly gvk: GroupVersionKind }
  | { readonly text: true; readonly gvk: GroupVersionKind };

const verbWords: Readonly<Record<string, string>> = {
  GET: 'read',
  POST: 'create',
  PUT: 'replace',
  PATCH: 'patch',
  DELETE: 'delete',
};
const actions: Readonly<Record<string, string>> = {
  GET: 'get',
  POST: 'post',
  PUT: 'put',
  PATCH: 'patch',
  DELETE: 'delete',
};

/**
 * The path of a subresource other than status and scale (`pods/log`, `pods/eviction`,
 * `serviceaccounts/token`, `pods/exec`), one operation per method it answers;
 * WebSocket upgrades are `connect` operations, as Kubernetes lists them.
 */
export function subresourcePath(
  info: KindInfo,
  version: string,
  subresource: string,
  sub: { readonly methods: readonly string[]; readonly upgrade?: boolean },
  body: SubresourceBody,
): Record<string, PathItem> {
  const prefix = info.apiGroup === '' ? `/api/${version}` : `/apis/${info.apiGroup}/${version}`;
  const group = groupWord(info.apiGroup);
  const word = `${group}${version.charAt(0).toUpperCase()}${version.slice(1)}`;
  const tag = `${group.charAt(0).toLowerCase()}${group.slice(1)}_${version}`;
  const scope = info.namespaced ? 'Namespaced' : '';
  const base = info.namespaced
    ? `${prefix}/namespaces/{namespace}/${info.resource}`
    : `${prefix}/${info.resource}`;
  const subWord = subresource.charAt(0).toUpperCase() + subresource.slice(1);
  const content =
    'text' in body
      ? { [sub.upgrade ? '*/*' : 'text/plain']: { schema: { type: 'string' } as Schema } }
      : json(body.schema);
  const item: PathItem = {
    parameters: [
      pathParam('name', `name of the ${info.kind}`),
      ...(info.namespaced
        ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')]
        : []),
    ],
  };
  for (const method of sub.methods) {
    const key = method.toLowerCase() as 'get' | 'put' | 'post' | 'patch' | 'delete';
    if (!['get', 'put', 'post', 'patch', 'delete'].includes(key)) continue;
    const verb = sub.upgrade
      ? `connect${method.charAt(0)}${method.slice(1).toLowerCase()}`
      : verbWords[method];
    const op: Operation = {
      description: `${sub.upgrade ? 'connect to' : (verbWords[method] ?? method.toLowerCase())} ${subresource} of the specified ${info.kind}`,
      operationId: `${verb}${word}${scope}${info.kind}${subWord}`,
      tags: [tag],
      responses: { '200': { description: 'OK', content }, '401': unauthorized },
      'x-kubernetes-action': sub.upgrade ? 'connect' : (actions[method] ?? method.toLowerCase()),
      'x-kubernetes-group-version-kind': body.gvk,
    };
    if (!sub.upgrade && 'schema' in body && (method === 'POST' || method === 'PUT')) {
      op.parameters = [dryRun, fieldManager, fieldValidation];
      op.requestBody = { content: json(body.schema), required: true };
      op.responses['201'] = { description: 'Created', content };
    }
    if (!sub.upgrade && method === 'PATCH') {
      op.parameters = [dryRun, fieldManager, fieldValidation, force];
      op.requestBody = patchBody;
    }
    item[key] = op;
  }
  return { [`${base}/{name}/${subresource}`]: item };
}
