/**
 * One gRPC service per kind, all built the same way from the kind table: every RPC
 * authorizes through the request gate, then calls the generic registry. A kind's
 * other methods (the Pod's binding and logs, scale, tokens) come from its folder in
 * kinds/, merged in here without naming the kind.
 */
import type { ServerWritableStream, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { ApiError } from '../../sdk/errors.js';
import { type DeleteOptions, type ListOptions, ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, type MessageFns, typesOf } from '../../sdk/kind-registry.js';
import { fieldOf, type KindInfo, pluralOf } from '../../sdk/kinds.js';
import { asyncServerStream, asyncUnary, framedWriter } from '../../sdk/server/index.js';
import type { TokenIssuer } from '../auth/service-account/index.js';
import { subresourcesOf } from '../kinds/index.js';
import type { NodeStatsSource } from '../kinds/node/stats.js';
import type { PodExecTarget } from '../kinds/pod/exec.js';
import type { PodLogSource } from '../kinds/pod/logs.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { patchObject } from '../registry/patch.js';
import { asFirstField } from '../storage/resource-version-bytes.js';
import { fromStoredBytes } from '../storage/stored-bytes.js';
import { boundToCall, managedBy } from './call-context.js';
import type { RequestGate } from './request.js';
import { MAX_EVENTS_PER_TAKE, WatchEncoder } from './watch-encoding.js';

/** Messages of one watch handed to the transport and not yet written out, before the watch pauses. */
const MAX_UNSENT = 2;

/**
 * The longest watch timeout honoured, in seconds: 2147483 (about 24.8 days), the longest
 * a Node timer waits. Asked for longer, a timer fires at once (TimeoutOverflowWarning),
 * so longer timeouts are cut to this.
 */
export const MAX_WATCH_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * A watch's `timeoutSeconds` in milliseconds: 0 (or unset) for none; a negative value is
 * INVALID_ARGUMENT; more than MAX_WATCH_TIMEOUT_SECONDS counts as that.
 */
export function watchTimeoutMs(timeoutSeconds: string | undefined): number {
  const seconds = Number(timeoutSeconds || '0');
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw ApiError.invalid(`timeoutSeconds: Invalid value: ${timeoutSeconds}: must be >= 0`, [
      { field: 'timeoutSeconds', reason: 'FieldValueInvalid', message: 'must be >= 0' },
    ]);
  }
  return Math.min(seconds, MAX_WATCH_TIMEOUT_SECONDS) * 1000;
}

interface ObjectRequest {
  dryRun?: boolean;
  [field: string]: unknown;
}
interface KeyRequest {
  namespace?: string;
  name: string;
  resourceVersion?: string;
  options?: DeleteOptions;
}
interface PatchRequest {
  namespace?: string;
  name: string;
  type: number;
  patch: string;
  dryRun?: boolean;
  status?: boolean;
  fieldManager?: string;
  force?: boolean;
}
interface CollectionRequest {
  namespace?: string;
  options?: ListOptions;
}

/**
 * A kind's service definition whose watch method also accepts pre-encoded events
 * (Buffers), which it sends as they are, and whose writes answer the object they wrote
 * from the bytes they stored for it (stored-bytes.ts) instead of encoding it again.
 */
export function kindServiceDefinition(info: KindInfo): ServiceDefinition {
  const { service: base, message } = typesOf(info);
  const key = `watch${pluralOf(info)}`;
  const method = base[key];
  if (!method) throw new Error(`no ${key} in the service of ${info.kind}`);
  const definition: Record<string, ServiceDefinition[string]> = {
    ...base,
    [key]: {
      ...method,
      responseSerialize: (value: unknown) =>
        Buffer.isBuffer(value) ? value : method.responseSerialize(value),
    },
  };
  const field = fieldOf(info);
  for (const name of [
    `create${info.kind}`,
    `update${info.kind}`,
    `update${info.kind}Status`,
    `patch${info.kind}`,
  ]) {
    const write = base[name];
    if (!write || !answersObjectAlone(write.responseSerialize, field, message)) continue;
    definition[name] = {
      ...write,
      responseSerialize: (value: unknown) => {
        const response = value as Record<string, KindObject | undefined>;
        const obj = response[field];
        // Only a response that is the object alone: any other field would be lost.
        const bytes = obj && Object.keys(response).length === 1 && fromStoredBytes(message, obj, true);
        return bytes ? asFirstField(bytes) : write.responseSerialize(value);
      },
    };
  }
  return definition as ServiceDefinition;
}

/** Whether a response is the object as its field 1 and nothing else, as the bytes-made answer assumes. */
function answersObjectAlone(
  serialize: (value: unknown) => Buffer,
  field: string,
  message: MessageFns<KindObject>,
): boolean {
  const probe = message.create({ metadata: ObjectMeta.create({ name: 'x' }) } as never);
  const expected = asFirstField(message.encode(probe).finish());
  return serialize({ [field]: probe }).equals(expected) && serialize({}).length === 0;
}

export interface KindServiceOptions {
  podLogs?: PodLogSource;
  podExec?: PodExecTarget;
  /** The stats summary of a node's kubelet (GetNodeStats, ListPodMetrics). */
  nodeStats?: NodeStatsSource;
  /** The registries of other kinds, by kind name, for subresources that touch them (eviction: PDBs). */
  registryOf?: (kind: string) => GenericRegistry<KindObject> | undefined;
  /** Signs ServiceAccount tokens; without it CreateServiceAccountToken answers UNIMPLEMENTED. */
  tokenIssuer?: TokenIssuer;
  /** Where pipelined streams record each item's latency (see pipelined-stream-handler.ts). */
  metrics?: Registry;
}

export function kindService<T extends KindObject>(
  registry: GenericRegistry<T>,
  gate: RequestGate,
  opts: KindServiceOptions = {},
): UntypedServiceImplementation {
  const info = registry.info;
  const k = info.kind;
  const field = fieldOf(info);
  const plural = pluralOf(info);
  const objectOf = (req: ObjectRequest) => req[field] as T | undefined;
  const encoder = new WatchEncoder(info);
  const metaOf = (obj: T | undefined) => ({
    namespace: obj?.metadata?.namespace || (info.namespaced ? 'default' : ''),
    name: obj?.metadata?.name ?? '',
  });

  const impl: UntypedServiceImplementation = {
    [`create${k}`]: asyncUnary<ObjectRequest, unknown>(async (req, call) => {
      const obj = objectOf(req);
      const { namespace } = metaOf(obj);
      const ctx = await gate.admit(call.metadata, { verb: 'create', info, namespace, name: '' }, req.dryRun);
      return { [field]: await registry.create(obj, managedBy(ctx, call.metadata)) };
    }),
    [`get${k}`]: asyncUnary<KeyRequest, unknown>(async (req, call) => {
      await gate.admit(call.metadata, { verb: 'get', info, namespace: req.namespace ?? '', name: req.name });
      return { [field]: await registry.get(req.namespace ?? '', req.name, req.resourceVersion) };
    }),
    [`list${plural}`]: asyncUnary<CollectionRequest, unknown>(async (req, call) => {
      await gate.admit(call.metadata, { verb: 'list', info, namespace: req.namespace ?? '', name: '' });
      return registry.list(req.namespace ?? '', req.options);
    }),
    [`update${k}`]: asyncUnary<ObjectRequest, unknown>(async (req, call) => {
      const obj = objectOf(req);
      const ctx = await gate.admit(call.metadata, { verb: 'update', info, ...metaOf(obj) }, req.dryRun);
      return { [field]: await registry.update(obj, boundToCall(managedBy(ctx, call.metadata), call)) };
    }),
    [`patch${k}`]: asyncUnary<PatchRequest, unknown>(async (req, call) => {
      const namespace = req.namespace || (info.namespaced ? 'default' : '');
      const status = req.status === true;
      const access = {
        verb: 'patch',
        info,
        namespace,
        name: req.name,
        ...(status ? { subresource: 'status' } : {}),
      };
      const ctx = await gate.admit(call.metadata, access, req.dryRun);
      const request = {
        namespace,
        name: req.name,
        type: req.type,
        patch: req.patch,
        status,
        fieldManager: req.fieldManager ?? '',
        force: req.force === true,
        // Server-side apply creates a missing object: only for those who may create it.
        mayCreate: async () => {
          await gate.admit(call.metadata, { verb: 'create', info, namespace, name: '' }, req.dryRun);
        },
      };
      return {
        [field]: await patchObject(registry, request, boundToCall(managedBy(ctx, call.metadata), call)),
      };
    }),
    [`delete${k}`]: asyncUnary<KeyRequest, unknown>(async (req, call) => {
      const namespace = req.namespace ?? '';
      const ctx = await gate.admit(
        call.metadata,
        { verb: 'delete', info, namespace, name: req.name },
        req.options?.dryRun,
      );
      return { [field]: await registry.delete(namespace, req.name, req.options, boundToCall(ctx, call)) };
    }),
    [`watch${plural}`]: asyncServerStream<CollectionRequest, unknown>(async (req, call, signal) => {
      await gate.admit(call.metadata, { verb: 'watch', info, namespace: req.namespace ?? '', name: '' });
      const timeout = watchTimeoutMs(req.options?.timeoutSeconds);
      const controller = new AbortController();
      const stop = () => controller.abort();
      signal.addEventListener('abort', stop, { once: true });
      const timer = timeout > 0 ? setTimeout(stop, timeout) : undefined;
      const watcher = await registry
        .watch(req.namespace ?? '', req.options, controller.signal)
        .catch((err: unknown) => {
          if (timer) clearTimeout(timer);
          signal.removeEventListener('abort', stop);
          throw err;
        });
      // At most MAX_UNSENT messages of a watch (MAX_EVENTS_PER_TAKE events each) wait in the
      // transport: past that the watcher pauses and keeps events (shared, not copied) until
      // the client has read, then sends them joined, instead of piling megabytes into the
      // connection.
      let unsent = 0;
      let paused = false;
      // The encoder's messages are framed once for every watcher; written as they are.
      const write = framedWriter(call as ServerWritableStream<unknown, unknown>);
      const sent = () => {
        unsent--;
        if (paused && unsent === 0) {
          paused = false;
          watcher.resume();
        }
      };
      try {
        // Push mode: the cache hands each run of events to every watcher at the same
        // moment, and they are written right there, the same bytes to each.
        await new Promise<void>((resolve, reject) => {
          watcher.consume(
            {
              deliver: (events) => {
                try {
                  for (const message of encoder.messages(events)) {
                    unsent++;
                    write(message, sent);
                  }
                } catch (err) {
                  reject(err);
                  return false;
                }
                paused = unsent >= MAX_UNSENT;
                return !paused;
              },
              end: (err) => (err ? reject(err) : resolve()),
            },
            MAX_EVENTS_PER_TAKE,
          );
        });
      } finally {
        watcher.close();
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', stop);
      }
    }),
  };

  if (info.status) {
    impl[`update${k}Status`] = asyncUnary<ObjectRequest, unknown>(async (req, call) => {
      const obj = objectOf(req);
      const ctx = await gate.admit(
        call.metadata,
        { verb: 'update', info, subresource: 'status', ...metaOf(obj) },
        req.dryRun,
      );
      return { [field]: await registry.updateStatus(obj, boundToCall(managedBy(ctx, call.metadata), call)) };
    });
  }

  const subresources = subresourcesOf(k);
  if (subresources) {
    Object.assign(
      impl,
      subresources({ registry: registry as unknown as GenericRegistry<KindObject>, gate, options: opts }),
    );
  }
  return impl;
}
