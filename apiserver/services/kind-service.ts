/**
 * One gRPC service per kind, all built the same way from the kind table: every RPC
 * authorizes through the request gate, then calls the generic registry. The
 * kind-specific subresources (binding, logs, scale, tokens) are wired in here too,
 * by name, so that a kind's whole surface is visible in one place.
 */
import type {
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ApiError } from '../../sdk/errors.js';
import type { Scale } from '../../sdk/gen/wheelhouse/apps/v1/scale.js';
import type { Binding } from '../../sdk/gen/wheelhouse/core/v1/binding.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ServiceAccount } from '../../sdk/gen/wheelhouse/core/v1/service_account.js';
import type { DeleteOptions, ListOptions } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import { fieldOf, type KindInfo, pluralOf } from '../../sdk/kinds.js';
import { asyncServerStream, asyncUnary, framedWriter } from '../../sdk/server/index.js';
import {
  type CreateTokenRequest,
  createServiceAccountToken,
  type TokenIssuer,
} from '../auth/service-account/index.js';
import { bindPod } from '../kinds/pod/binding.js';
import { getScale, type Scalable, updateScale } from '../kinds/shared/scale.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { RequestContext } from '../registry/strategy.js';
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
interface CollectionRequest {
  namespace?: string;
  options?: ListOptions;
}

/**
 * A kind's service definition whose watch method also accepts pre-encoded events
 * (Buffers), which it sends as they are.
 */
export function kindServiceDefinition(info: KindInfo): ServiceDefinition {
  const base = typesOf(info).service;
  const key = `watch${pluralOf(info)}`;
  const method = base[key];
  if (!method) throw new Error(`no ${key} in the service of ${info.kind}`);
  return {
    ...base,
    [key]: {
      ...method,
      responseSerialize: (value: unknown) =>
        Buffer.isBuffer(value) ? value : method.responseSerialize(value),
    },
  };
}

/**
 * The context of a write bound to its call: the registry retries conflicts until the
 * client cancels or the call's deadline passes.
 */
function boundToCall(ctx: RequestContext, call: ServerUnaryCall<unknown, unknown>): RequestContext {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return { ...ctx, signal: controller.signal, ...(Number.isFinite(ms) ? { deadline: ms } : {}) };
}

/** Logs come from the kubelet of the Pod's node (see pod-logs.ts). */
export type PodLogSource = (
  pod: Pod,
  request: Record<string, unknown>,
  call: ServerWritableStream<unknown, unknown>,
  signal: AbortSignal,
) => Promise<void>;

export interface KindServiceOptions {
  podLogs?: PodLogSource;
  /** Signs ServiceAccount tokens; without it CreateServiceAccountToken answers UNIMPLEMENTED. */
  tokenIssuer?: TokenIssuer;
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
      return { [field]: await registry.create(obj, ctx) };
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
      return { [field]: await registry.update(obj, boundToCall(ctx, call)) };
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
      return { [field]: await registry.updateStatus(obj, boundToCall(ctx, call)) };
    });
  }

  if (info.scale) {
    const scalable = registry as unknown as GenericRegistry<Scalable>;
    impl[`get${k}Scale`] = asyncUnary<KeyRequest, unknown>(async (req, call) => {
      await gate.admit(call.metadata, {
        verb: 'get',
        info,
        subresource: 'scale',
        namespace: req.namespace ?? '',
        name: req.name,
      });
      return { scale: await getScale(scalable, req.namespace ?? '', req.name) };
    });
    impl[`update${k}Scale`] = asyncUnary<{ scale?: Scale; dryRun?: boolean }, unknown>(async (req, call) => {
      const namespace = req.scale?.metadata?.namespace || 'default';
      const name = req.scale?.metadata?.name ?? '';
      const ctx = await gate.admit(
        call.metadata,
        { verb: 'update', info, subresource: 'scale', namespace, name },
        req.dryRun,
      );
      return {
        scale: await updateScale(
          scalable,
          req.scale && { ...req.scale, metadata: req.scale.metadata && { ...req.scale.metadata, namespace } },
          boundToCall(ctx, call),
        ),
      };
    });
  }

  if (k === 'Pod') {
    const pods = registry as unknown as GenericRegistry<Pod>;
    impl.bindPod = asyncUnary<{ binding?: Binding; dryRun?: boolean }, unknown>(async (req, call) => {
      const namespace = req.binding?.metadata?.namespace || 'default';
      const name = req.binding?.metadata?.name ?? '';
      const ctx = await gate.admit(
        call.metadata,
        { verb: 'create', info, subresource: 'binding', namespace, name },
        req.dryRun,
      );
      const binding = req.binding && {
        ...req.binding,
        metadata: req.binding.metadata && { ...req.binding.metadata, namespace },
      };
      return { pod: await bindPod(pods, binding, boundToCall(ctx, call)) };
    });
    impl.getPodLogs = asyncServerStream<KeyRequest & Record<string, unknown>, unknown>(
      async (req, call, signal) => {
        await gate.admit(call.metadata, {
          verb: 'get',
          info,
          subresource: 'log',
          namespace: req.namespace ?? '',
          name: req.name,
        });
        const pod = await pods.get(req.namespace ?? '', req.name);
        const node = pod.spec?.nodeName ?? '';
        if (node === '') {
          throw ApiError.failedPrecondition(
            `pod ${req.name} does not have a host assigned yet; logs exist once it is scheduled and running`,
          );
        }
        if (!opts.podLogs) {
          throw ApiError.unavailable(
            `no kubelet connection for node "${node}": this apiserver was started without --kubelet-client-certificate`,
          );
        }
        await opts.podLogs(pod, req, call as ServerWritableStream<unknown, unknown>, signal);
      },
    );
  }

  if (k === 'ServiceAccount') {
    const accounts = registry as unknown as GenericRegistry<ServiceAccount>;
    impl.createServiceAccountToken = asyncUnary<CreateTokenRequest, unknown>(async (req, call) => {
      await gate.admit(call.metadata, {
        verb: 'create',
        info,
        subresource: 'token',
        namespace: req.namespace || 'default',
        name: req.name,
      });
      return createServiceAccountToken(accounts, opts.tokenIssuer, req);
    });
  }
  return impl;
}
