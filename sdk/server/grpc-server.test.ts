import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { ApiError, fromServiceError } from '../errors.js';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import {
  type GetPodResponse,
  PodServiceClient,
  PodServiceService,
  type WatchPodsRequest,
  type WatchPodsResponse,
} from '../gen/wheelhouse/core/v1/pod_service.js';
import { WatchEventType } from '../gen/wheelhouse/meta/v1/meta.js';
import { createLogger } from '../logger.js';
import { callerOf, createGrpcServer, type GrpcServer } from './grpc-server.js';
import { asyncServerStream, asyncUnary } from './handlers.js';
import { createRegistry } from './metrics.js';

const python = '/usr/bin/python3';
const pod = (name: string, annotations: Record<string, string> = {}) =>
  Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'web' },
      annotations,
      creationTimestamp: new Date('2026-01-02T03:04:05Z'),
    },
  });

function getPod(c: PodServiceClient, name: string, md = new Metadata()): Promise<GetPodResponse> {
  return new Promise((resolve, reject) =>
    c.getPod({ namespace: 'default', name, resourceVersion: '' }, md, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

describe('gRPC server bootstrap', () => {
  let server: GrpcServer;
  let port: number;
  const registry = createRegistry('test');

  before(async () => {
    server = createGrpcServer<{ name: string }>({
      component: 'test',
      logger: createLogger('test', { level: 'silent' }),
      registry,
      authenticate: (_peer, _method, md) => {
        if (md.get('authorization')[0] === 'Bearer nope') throw ApiError.unauthenticated('bad token');
        return { name: 'tester' };
      },
    });
    server.addService('wheelhouse.core.v1.PodService', PodServiceService, {
      getPod: asyncUnary(async (req: { name: string }, call) => {
        if (req.name === 'missing')
          throw ApiError.notFound('pods "missing" not found', { name: 'missing', kind: 'Pod' });
        if (req.name === 'boom') throw new Error('secret internal detail');
        return { pod: pod(req.name, { caller: callerOf<{ name: string }>(call.metadata)?.name ?? '' }) };
      }),
      watchPods: asyncServerStream<WatchPodsRequest, WatchPodsResponse>(async (req, call) => {
        call.write({ events: [{ type: WatchEventType.WATCH_EVENT_TYPE_ADDED, object: pod('web-0') }] });
        call.write({
          events: [
            { type: WatchEventType.WATCH_EVENT_TYPE_MODIFIED, object: pod(req.options?.labelSelector ?? '') },
          ],
        });
      }),
    });
    port = await server.listen('127.0.0.1:0');
  });
  after(() => server.shutdown(100));

  const client = () => new PodServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());

  test('unary calls carry the caller and structured errors', async () => {
    const c = client();
    const ok = await getPod(c, 'a');
    assert.equal(ok.pod?.metadata?.annotations.caller, 'tester');
    const err = await getPod(c, 'missing').catch((e: unknown) => fromServiceError(e));
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, status.NOT_FOUND);
    assert.equal(err.reason, 'NotFound');
    assert.equal(err.statusDetails.name, 'missing');
    const internal = await getPod(c, 'boom').catch((e: unknown) => fromServiceError(e));
    assert.ok(internal instanceof ApiError);
    assert.equal(internal.code, status.INTERNAL);
    assert.doesNotMatch(internal.message, /secret internal detail/);
    c.close();
  });

  test('the authenticator refuses calls, streams included', async () => {
    const c = client();
    const md = new Metadata();
    md.set('authorization', 'Bearer nope');
    const unary = await getPod(c, 'a', md).catch((e: unknown) => e);
    assert.equal(fromServiceError(unary).code, status.UNAUTHENTICATED);
    const stream = c.watchPods({ namespace: 'default' }, md);
    const streamErr = await new Promise<unknown>((resolve) => {
      stream.on('error', resolve);
      stream.on('data', () => undefined);
    });
    assert.equal(fromServiceError(streamErr).code, status.UNAUTHENTICATED);
    c.close();
  });

  test('metrics count calls by code', async () => {
    const text = await registry.metrics();
    assert.match(
      text,
      /grpc_server_handled_total\{[^}]*grpc_method="GetPod"[^}]*grpc_code="NOT_FOUND"[^}]*\} 1/,
    );
  });

  test('reflection satisfies a strict independent client (Python grpcio)', {
    skip: !existsSync(python) && 'no /usr/bin/python3',
  }, async () => {
    const { stdout } = await promisify(execFile)(
      python,
      [new URL('./testdata/reflection_client.py', import.meta.url).pathname, `127.0.0.1:${port}`],
      { timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as {
      services: string[];
      objectMeta: { labelsIsMap: boolean; labelsJsonName: string; creationTimestampType: string };
      get: { pod: { metadata: { name: string; labels: Record<string, string>; creationTimestamp: string } } };
      watch: Array<{ type: string; object: { metadata: { name: string } } }>;
    };
    for (const s of [
      'wheelhouse.core.v1.PodService',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
    ]) {
      assert.ok(report.services.includes(s), `${s} listed`);
    }
    assert.deepEqual(report.objectMeta, {
      labelsIsMap: true,
      labelsJsonName: 'labels',
      creationTimestampType: 'google.protobuf.Timestamp',
    });
    assert.equal(report.get.pod.metadata.name, 'web-0');
    assert.deepEqual(report.get.pod.metadata.labels, { app: 'web' });
    assert.equal(report.get.pod.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
    assert.deepEqual(
      report.watch.map((e) => [e.type, e.object.metadata.name]),
      [
        ['WATCH_EVENT_TYPE_ADDED', 'web-0'],
        ['WATCH_EVENT_TYPE_MODIFIED', 'app=web'],
      ],
    );
  });
});
