/**
 * The reference of `npm run bench:apiserver`: a PodService that does no work, served
 * by the same gRPC bootstrap and TLS as the apiserver (its serving certificate, client
 * certificates requested and not required), so that the apiserver's figures can be set
 * beside the cost of the transport alone.
 *
 *   CreatePod   answers a fixed Pod, and hands it, with the request's name and
 *               annotations, to every open watch
 *   GetPod      answers the same fixed Pod
 *   ListPods    answers `--list-size` copies of it, or pages of `options.limit`
 *   WatchPods   streams what CreatePod hands it, until the client goes away: each
 *               event encoded once, and paced like the apiserver's watch cache (at
 *               most one message per --batch-window-ms, all watchers at once, the same
 *               bytes to each), so that the two are compared on the same protocol
 *
 * Run as its own process; it prints `noop listening on 127.0.0.1:<port>` when ready.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { kindServiceDefinition } from '../apiserver/services/kind-service.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  type CreatePodRequest,
  type ListPodsRequest,
  type ListPodsResponse,
  type WatchPodsRequest,
  WatchPodsResponse,
} from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { WatchEventType } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import { resolveResource } from '../sdk/kinds.js';
import { createLogger } from '../sdk/logger.js';
import { asyncServerStream, asyncUnary, createGrpcServer } from '../sdk/server/index.js';

const { values } = parseArgs({
  options: {
    cert: { type: 'string' },
    key: { type: 'string' },
    ca: { type: 'string' },
    'pod-file': { type: 'string' },
    'list-size': { type: 'string', default: '10000' },
    'batch-window-ms': { type: 'string', default: '20' },
  },
});
if (!values.cert || !values.key || !values.ca || !values['pod-file']) {
  throw new Error('usage: noop-pod-server --cert FILE --key FILE --ca FILE --pod-file FILE [--list-size N]');
}

/** The Pod every call answers: one the apiserver created, so responses are the same size as its own. */
const pod = Pod.fromJSON(JSON.parse(readFileSync(values['pod-file'], 'utf8')));
const listSize = Number(values['list-size']);
const items: Pod[] = Array.from({ length: listSize }, (_, i) => ({
  ...pod,
  metadata: pod.metadata && { ...pod.metadata, name: `pod-${String(i).padStart(5, '0')}` },
}));

const watchers = new Set<ServerWritableStream<WatchPodsRequest, Buffer>>();
/** As the apiserver's --watch-batch-window. */
const COALESCE_MS = Number(values['batch-window-ms']);
/** Events (each an encoded one-event WatchPodsResponse: concatenated, they are one message) not yet sent. */
let pending: Buffer[] = [];
let flushTimer: NodeJS.Timeout | undefined;
let flushedAt = Number.NEGATIVE_INFINITY;

function flush(): void {
  flushTimer = undefined;
  flushedAt = performance.now();
  const message = Buffer.concat(pending);
  pending = [];
  for (const w of watchers) w.write(message);
}

function publish(object: Pod): void {
  pending.push(
    Buffer.from(
      WatchPodsResponse.encode({
        events: [{ type: WatchEventType.WATCH_EVENT_TYPE_ADDED, object }],
      }).finish(),
    ),
  );
  if (flushTimer) return;
  const wait = flushedAt + COALESCE_MS - performance.now();
  if (wait <= 0) flush();
  else flushTimer = setTimeout(flush, wait);
}

function list(req: ListPodsRequest): ListPodsResponse {
  const limit = Number(req.options?.limit ?? 0);
  if (limit <= 0) return { metadata: { resourceVersion: '1', continue: '' }, items };
  const start = Number(req.options?.continue || '0');
  const end = Math.min(start + limit, items.length);
  return {
    metadata: { resourceVersion: '1', continue: end < items.length ? String(end) : '' },
    items: items.slice(start, end),
  };
}

const server = createGrpcServer({
  component: 'noop',
  logger: createLogger('noop', { level: 'warn' }),
  tls: {
    cert: readFileSync(values.cert),
    key: readFileSync(values.key),
    ca: readFileSync(values.ca),
    clientCerts: 'request',
  },
});
// The service definition the apiserver uses: its watch method sends pre-encoded Buffers as they are.
server.addService('wheelhouse.core.v1.PodService', kindServiceDefinition(resolveResource('pods')!), {
  createPod: asyncUnary<CreatePodRequest, unknown>(async (req) => {
    // The event carries what the apiserver's would: the stored Pod (defaults, uid, status)
    // under the request's name and annotations, so both move the same bytes.
    if (req.pod && watchers.size > 0) {
      const meta = req.pod.metadata;
      publish({
        ...pod,
        metadata: pod.metadata && {
          ...pod.metadata,
          name: meta?.name ?? '',
          annotations: meta?.annotations ?? {},
        },
      });
    }
    return { pod };
  }),
  getPod: asyncUnary(async () => ({ pod })),
  listPods: asyncUnary<ListPodsRequest, ListPodsResponse>(async (req) => list(req)),
  watchPods: asyncServerStream<WatchPodsRequest, Buffer>(async (_req, call, signal) => {
    watchers.add(call);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    watchers.delete(call);
  }),
});
const port = await server.listen('127.0.0.1:0');
process.stdout.write(`noop listening on 127.0.0.1:${port}\n`);
process.on('SIGTERM', () => {
  void server.shutdown(1_000).then(() => process.exit(0));
});
