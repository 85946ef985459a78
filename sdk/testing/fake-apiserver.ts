/**
 * A small in-memory apiserver for clients' unit tests: the real generated services
 * of a few kinds over real gRPC on 127.0.0.1:0, with the API's semantics that clients
 * rely on (resourceVersion checks, NOT_FOUND / ALREADY_EXISTS / ABORTED /
 * INVALID_ARGUMENT with field causes, label selectors, pagination, watch). It
 * is a test double only; integration tests run against the real apiserver.
 */
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type StatusObject,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ApiError, toServiceError } from '../errors.js';
import type { DeleteOptions, ListOptions } from '../gen/wheelhouse/meta/v1/meta.js';
import { WatchEventType } from '../gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../kind-registry.js';
import { fieldOf, type KindInfo, pluralOf } from '../kinds.js';
import { matches, parse } from '../labels/index.js';

type Callback = (error: Partial<StatusObject> | null, value?: unknown) => void;
type Request = Record<string, unknown>;

interface Watcher {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly send: (type: WatchEventType, object: KindObject) => void;
}

export interface FakeApiserver {
  readonly address: string;
  /** Objects by `<kind>/<namespace>/<name>`. */
  readonly objects: Map<string, KindObject>;
  /** Every request received, by method name (`updatePod`), in order. */
  readonly requests: { method: string; request: Request; userAgent: string }[];
  /** Runs before each update is applied; throw an ApiError to fail it. */
  beforeUpdate?: (object: KindObject) => void;
  /** Stores an object as if another client had created it; returns the stored copy. */
  put(info: KindInfo, object: KindObject): KindObject;
  stop(): Promise<void>;
}

export async function startFakeApiserver(served: readonly KindInfo[]): Promise<FakeApiserver> {
  const server = new Server();
  const objects = new Map<string, KindObject>();
  const requests: { method: string; request: Request; userAgent: string }[] = [];
  const userAgentOf = (call: { metadata: { get(key: string): unknown[] } }) =>
    String(call.metadata.get('user-agent')[0] ?? '');
  const watchers = new Set<Watcher>();
  let revision = 100;
  let uid = 0;
  let address = '';

  const keyOf = (info: KindInfo, namespace: string, name: string) =>
    `${info.kind}/${info.namespaced ? namespace : ''}/${name}`;
  const copy = (info: KindInfo, object: KindObject): KindObject =>
    typesOf(info).message.decode(typesOf(info).message.encode(object).finish());
  const notify = (info: KindInfo, type: WatchEventType, object: KindObject) => {
    for (const w of watchers) {
      if (w.info === info && (w.namespace === '' || w.namespace === object.metadata?.namespace))
        w.send(type, object);
    }
  };
  const describe = (info: KindInfo, name: string) => `${info.resource} "${name}"`;

  const fake: FakeApiserver = {
    get address() {
      return address;
    },
    objects,
    requests,
    put(info, object) {
      const stored = copy(info, object);
      const meta = stored.metadata;
      if (!meta) throw new Error('put: metadata required');
      meta.uid = `uid-${++uid}`;
      meta.resourceVersion = String(++revision);
      meta.creationTimestamp ??= new Date();
      objects.set(keyOf(info, meta.namespace, meta.name), stored);
      notify(info, WatchEventType.WATCH_EVENT_TYPE_ADDED, stored);
      return copy(info, stored);
    },
    async stop() {
      for (const w of watchers) watchers.delete(w);
      server.forceShutdown();
    },
  };

  for (const info of served) {
    const field = fieldOf(info);
    const unary =
      (method: string, fn: (request: Request) => Request) =>
      (call: ServerUnaryCall<Request, Request>, callback: Callback) => {
        requests.push({ method, request: call.request, userAgent: userAgentOf(call) });
        try {
          callback(null, fn(call.request));
        } catch (err) {
          callback(toServiceError(err));
        }
      };
    const getExisting = (namespace: string, name: string): KindObject => {
      const found = objects.get(keyOf(info, namespace, name));
      if (!found) throw ApiError.notFound(`${describe(info, name)} not found`);
      return found;
    };

    const implementation: UntypedServiceImplementation = {
      [`create${info.kind}`]: unary(`create${info.kind}`, (request) => {
        const object = request[field] as KindObject;
        const name = object.metadata?.name ?? '';
        if (name === '') {
          throw ApiError.invalid(`${info.kind} is invalid: metadata.name: Required value`, [
            { field: 'metadata.name', message: 'Required value', reason: 'FieldValueRequired' },
          ]);
        }
        const images = (object as { spec?: { containers?: { image: string }[] } }).spec?.containers ?? [];
        const causes = images.flatMap((c, i) =>
          c.image === ''
            ? [
                {
                  field: `spec.containers[${i}].image`,
                  message: 'Required value',
                  reason: 'FieldValueRequired',
                },
              ]
            : [],
        );
        if (causes.length > 0) {
          // As Kubernetes words it: one error as it is, several in brackets.
          const rendered = causes.map((c) => `${c.field}: ${c.message}`);
          const list = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
          throw ApiError.invalid(`${info.kind} "${name}" is invalid: ${list}`, causes);
        }
        if (objects.has(keyOf(info, object.metadata?.namespace ?? '', name))) {
          throw ApiError.alreadyExists(`${describe(info, name)} already exists`);
        }
        if (request.dryRun) return { [field]: object };
        return { [field]: fake.put(info, object) };
      }),
      [`get${info.kind}`]: unary(`get${info.kind}`, (request) => ({
        [field]: getExisting(String(request.namespace ?? ''), String(request.name)),
      })),
      [`list${pluralOf(info)}`]: unary(`list${pluralOf(info)}`, (request) => {
        const options = request.options as ListOptions;
        const namespace = String(request.namespace ?? '');
        const selector = parse(options.labelSelector);
        const all = [...objects.entries()]
          .filter(([key]) => key.startsWith(`${info.kind}/${namespace === '' ? '' : `${namespace}/`}`))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([, o]) => o)
          .filter((o) => matches(selector, o.metadata?.labels));
        const start = Number(options.continue || 0);
        const limit = Number(options.limit) || all.length;
        const end = start + limit;
        return {
          metadata: {
            resourceVersion: String(revision),
            continue: end < all.length ? String(end) : '',
          },
          items: all.slice(start, end),
        };
      }),
      [`update${info.kind}`]: unary(`update${info.kind}`, (request) => {
        const object = request[field] as KindObject;
        const meta = object.metadata;
        const current = getExisting(meta?.namespace ?? '', meta?.name ?? '');
        fake.beforeUpdate?.(object);
        if (meta?.resourceVersion !== current.metadata?.resourceVersion) {
          throw ApiError.conflict(
            `Operation cannot be fulfilled on ${describe(info, meta?.name ?? '')}: the object has been modified`,
          );
        }
        if (request.dryRun) return { [field]: object };
        const stored = copy(info, object);
        if (stored.metadata && current.metadata) {
          stored.metadata.uid = current.metadata.uid;
          stored.metadata.creationTimestamp = current.metadata.creationTimestamp;
          stored.metadata.resourceVersion = String(++revision);
        }
        objects.set(keyOf(info, meta?.namespace ?? '', meta?.name ?? ''), stored);
        notify(info, WatchEventType.WATCH_EVENT_TYPE_MODIFIED, stored);
        return { [field]: stored };
      }),
      [`delete${info.kind}`]: unary(`delete${info.kind}`, (request) => {
        const namespace = String(request.namespace ?? '');
        const name = String(request.name);
        const current = getExisting(namespace, name);
        if ((request.options as DeleteOptions | undefined)?.dryRun) return { [field]: current };
        objects.delete(keyOf(info, namespace, name));
        notify(info, WatchEventType.WATCH_EVENT_TYPE_DELETED, current);
        return { [field]: current };
      }),
      [`watch${pluralOf(info)}`]: (call: ServerWritableStream<Request, Request>) => {
        requests.push({
          method: `watch${pluralOf(info)}`,
          request: call.request,
          userAgent: userAgentOf(call),
        });
        const watcher: Watcher = {
          info,
          namespace: String(call.request.namespace ?? ''),
          send: (type, object) => call.write({ events: [{ type, object }] }),
        };
        watchers.add(watcher);
        call.on('cancelled', () => watchers.delete(watcher));
      },
    };
    server.addService(typesOf(info).service, implementation);
  }

  new HealthImplementation({ '': 'SERVING' }).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  address = `127.0.0.1:${port}`;
  return fake;
}
