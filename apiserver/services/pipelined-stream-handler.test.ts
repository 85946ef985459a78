/**
 * The pipelined-stream handler served by a real grpc-js server on loopback, with a
 * `perform` the test scripts: answers by id in the order items complete, the stream
 * paused at the cap of items in flight, an id already in flight refused, and an error
 * that is not an ApiError ending the stream with INTERNAL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type ClientDuplexStream,
  credentials,
  Server,
  ServerCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import { ApiError, Code } from '../../sdk/errors.js';
import { Binding } from '../../sdk/gen/wheelhouse/core/v1/binding.js';
import {
  type BindPodsRequest,
  type BindPodsResponse,
  PodServiceClient,
  PodServiceService,
} from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { asyncDuplex } from '../../sdk/server/index.js';
import { until } from '../../test/until.js';
import { servePipelinedStream } from './pipelined-stream-handler.js';

const maxInFlight = 3;

const request = (id: number, name: string): BindPodsRequest => ({
  id,
  binding: Binding.fromPartial({ metadata: { name, namespace: 'default' } }),
});

describe('pipelined stream handler', () => {
  /** Items performed and not yet released, by name; `release` completes one. */
  const held = new Map<string, { resolve(rv: string): void; reject(err: unknown): void }>();
  let started = 0;
  const server = new Server();
  let client: PodServiceClient;
  before(async () => {
    server.addService(PodServiceService, {
      bindPods: asyncDuplex<BindPodsRequest, BindPodsResponse>((call, signal) =>
        servePipelinedStream(call, signal, {
          item: 'binding',
          maxInFlight,
          perform: (req) => {
            started++;
            const name = req.binding?.metadata?.name ?? '';
            return new Promise((resolve, reject) =>
              held.set(name, {
                resolve: (rv) => resolve({ metadata: { resourceVersion: rv } }),
                reject,
              }),
            );
          },
        }),
      ),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    client = new PodServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  const open = () => {
    const answers: BindPodsResponse[] = [];
    const s: ClientDuplexStream<BindPodsRequest, BindPodsResponse> = client.bindPods();
    let error: ServiceError | undefined;
    let ended = false;
    s.on('data', (res: BindPodsResponse) => answers.push(res));
    s.on('error', (err: ServiceError) => {
      error = err;
    });
    s.on('end', () => {
      ended = true;
    });
    return {
      s,
      answers,
      get error() {
        return error;
      },
      get ended() {
        return ended;
      },
    };
  };
  const release = (name: string, rv: string) => {
    const h = held.get(name);
    assert.ok(h, `${name} is not in flight`);
    held.delete(name);
    h.resolve(rv);
  };

  test('answers by id as items complete; past the cap nothing more is read until one completes', async () => {
    held.clear();
    started = 0;
    const c = open();
    for (let i = 0; i < maxInFlight + 2; i++) c.s.write(request(i, `p-${i}`));
    await until(() => started === maxInFlight, 'the first items to be performed');
    // The stream is paused: the two past the cap wait unread.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(started, maxInFlight);
    release('p-1', 'rv-1');
    await until(() => started === maxInFlight + 1, 'one more item read after one completed');
    release('p-0', 'rv-0');
    release('p-2', 'rv-2');
    release('p-3', 'rv-3');
    await until(() => held.has('p-4'), 'the last item');
    c.s.end();
    held.get('p-4')?.reject(new ApiError(Code.NOT_FOUND, 'pods "p-4" not found'));
    held.delete('p-4');
    await until(() => c.ended, 'the stream to end once nothing is in flight');
    assert.deepEqual(
      c.answers.map((a) => [a.id, a.resourceVersion, a.status?.code]),
      [
        [1, 'rv-1', undefined],
        [0, 'rv-0', undefined],
        [2, 'rv-2', undefined],
        [3, 'rv-3', undefined],
        [4, '', Code.NOT_FOUND],
      ],
    );
    assert.equal(c.error, undefined);
  });

  test('an id already in flight is refused with INVALID_ARGUMENT; the one in flight goes on', async () => {
    held.clear();
    const c = open();
    c.s.write(request(7, 'first'));
    await until(() => held.has('first'), 'the first item');
    c.s.write(request(7, 'second'));
    await until(() => c.answers.length === 1, 'the refusal');
    const refusal = c.answers[0];
    assert.equal(refusal?.id, 7);
    assert.equal(refusal?.status?.code, Code.INVALID_ARGUMENT);
    assert.match(refusal?.status?.message ?? '', /binding id 7 is already in flight/);
    assert.equal(held.has('second'), false);
    release('first', 'rv-first');
    await until(() => c.answers.length === 2, 'the first answer');
    assert.deepEqual([c.answers[1]?.id, c.answers[1]?.resourceVersion], [7, 'rv-first']);
    c.s.end();
    await until(() => c.ended, 'the end');
  });

  test('an error that is not an ApiError ends the stream with INTERNAL', async () => {
    held.clear();
    const c = open();
    c.s.write(request(1, 'buggy'));
    await until(() => held.has('buggy'), 'the item');
    held.get('buggy')?.reject(new TypeError('a bug'));
    held.delete('buggy');
    await until(() => c.error !== undefined, 'the stream to fail');
    assert.equal(c.error?.code, Code.INTERNAL);
    assert.equal(c.answers.length, 0);
  });
});
