/**
 * The pipelined-stream client against a real grpc-js server on loopback whose BindPods
 * the test scripts: answers by id (a Status included), a deadline with no answer (and
 * the late answer ignored), the idle close and a new call after it, a broken stream,
 * `close`, and the fallback once the server answers UNIMPLEMENTED.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  credentials,
  Server,
  type ServerDuplexStream,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { until } from '../../test/until.js';
import { ApiError, Code } from '../errors.js';
import { Binding } from '../gen/wheelhouse/core/v1/binding.js';
import {
  type BindPodsRequest,
  type BindPodsResponse,
  PodServiceClient,
  PodServiceService,
} from '../gen/wheelhouse/core/v1/pod_service.js';
import { createPipelinedStream, type PipelinedStreamOptions } from './pipelined-stream.js';
import { listen } from './testing.js';

type Call = ServerDuplexStream<BindPodsRequest, BindPodsResponse>;

const bindingOf = (name: string) =>
  Binding.fromPartial({ metadata: { name, namespace: 'default' }, target: { kind: 'Node', name: 'n' } });

describe('pipelined stream', () => {
  // BindPods as the test scripts it: `onRequest` decides each answer; calls and their
  // half-closes are counted.
  const calls: Call[] = [];
  const ended = new Set<Call>();
  let onRequest: (call: Call, req: BindPodsRequest) => void = () => {};
  const server = new Server();
  let client: PodServiceClient;
  const impl: UntypedServiceImplementation = {
    bindPods: (call: Call) => {
      calls.push(call);
      call.on('data', (req: BindPodsRequest) => onRequest(call, req));
      call.on('end', () => {
        ended.add(call);
        call.end();
      });
      call.on('error', () => {});
    },
  };
  before(async () => {
    server.addService(PodServiceService, impl);
    client = new PodServiceClient(await listen(server), credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  const streamOf = (
    extra: Partial<PipelinedStreamOptions<Binding, BindPodsRequest, BindPodsResponse>> = {},
  ) =>
    createPipelinedStream<Binding, BindPodsRequest, BindPodsResponse>({
      open: () => client.bindPods(),
      request: (id, binding) => ({ id, binding }),
      describe: (b) => `the binding of pod ${b.metadata?.namespace}/${b.metadata?.name}`,
      name: 'the bind stream',
      unknownOutcome: 'the binding may or may not have been made',
      closedMessage: 'the test closed the stream',
      timeoutMs: 5_000,
      fallback: () => Promise.reject(new Error('this server has BindPods: nothing goes to the fallback')),
      ...extra,
    });
  const answerAll = (call: Call, req: BindPodsRequest) => {
    const name = req.binding?.metadata?.name ?? '';
    if (name.startsWith('bad'))
      call.write({
        id: req.id,
        resourceVersion: '',
        status: { code: Code.NOT_FOUND, reason: 'NotFound', message: `pods "${name}" not found` },
      });
    else call.write({ id: req.id, resourceVersion: `rv-${name}`, status: undefined });
  };

  test('answers each item by its id, a Status as its ApiError, all on one call', async () => {
    onRequest = answerAll;
    const before = calls.length;
    const s = streamOf();
    try {
      const results = await Promise.allSettled(['a', 'bad-1', 'b', 'c'].map((n) => s.send(bindingOf(n))));
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as ApiError).code)),
        ['rv-a', Code.NOT_FOUND, 'rv-b', 'rv-c'],
      );
      assert.equal(calls.length - before, 1, 'every item goes over one call');
      assert.equal(s.streaming, true);
    } finally {
      s.close();
    }
  });

  test('an item with no answer by timeoutMs fails with DEADLINE_EXCEEDED; its late answer is ignored', async () => {
    const held: Array<{ call: Call; req: BindPodsRequest }> = [];
    onRequest = (call, req) => {
      if (req.binding?.metadata?.name === 'slow') held.push({ call, req });
      else answerAll(call, req);
    };
    // The deadline is also the time 'next' has for its round trip: ample on a loaded machine.
    const s = streamOf({ timeoutMs: 5_000 });
    try {
      await assert.rejects(s.send(bindingOf('slow')), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, Code.DEADLINE_EXCEEDED);
        assert.match(err.message, /no answer to the binding of pod default\/slow within 5000 ms/);
        return true;
      });
      await until(() => held.length > 0, "'slow' to reach the server");
      const late = held[0];
      assert.ok(late);
      late.call.write({ id: late.req.id, resourceVersion: 'rv-late', status: undefined });
      // The same call goes on: the next item gets its own id and its own answer.
      assert.equal(await s.send(bindingOf('next')), 'rv-next');
      assert.equal(held.length, 1);
    } finally {
      s.close();
    }
  });

  test('with idleMs, a stream with nothing pending is half-closed; the next item opens another call', async () => {
    onRequest = answerAll;
    const callsBefore = calls.length;
    const s = streamOf({ idleMs: 30 });
    try {
      assert.equal(await s.send(bindingOf('one')), 'rv-one');
      const first = calls[callsBefore];
      assert.ok(first);
      await until(() => ended.has(first), 'the idle stream to be half-closed');
      assert.equal(await s.send(bindingOf('two')), 'rv-two');
      assert.equal(calls.length - callsBefore, 2, 'a new call after the idle close');
    } finally {
      s.close();
    }
  });

  test('without idleMs the stream stays open while idle', async () => {
    onRequest = answerAll;
    const callsBefore = calls.length;
    const s = streamOf();
    try {
      assert.equal(await s.send(bindingOf('one')), 'rv-one');
      const first = calls[callsBefore];
      assert.ok(first);
      // An absence: give an idle close (were there one) many times the 30 ms above.
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(ended.has(first), false);
      assert.equal(await s.send(bindingOf('two')), 'rv-two');
      assert.equal(calls.length - callsBefore, 1);
    } finally {
      s.close();
    }
  });

  test('items pending on a broken stream fail with UNAVAILABLE; the next item opens another call', async () => {
    onRequest = (call, req) => {
      if (req.binding?.metadata?.name === 'doomed')
        call.emit('error', { code: status.UNAVAILABLE, details: 'gone' });
    };
    const callsBefore = calls.length;
    const s = streamOf();
    try {
      await assert.rejects(s.send(bindingOf('doomed')), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, Code.UNAVAILABLE);
        assert.match(err.message, /^the bind stream to the apiserver ended before the answer/);
        assert.match(err.message, /the binding may or may not have been made$/);
        return true;
      });
      onRequest = answerAll;
      assert.equal(await s.send(bindingOf('after')), 'rv-after');
      assert.equal(calls.length - callsBefore, 2);
      assert.equal(s.streaming, true);
    } finally {
      s.close();
    }
  });

  test('close fails the pending items with UNAVAILABLE and its message', async () => {
    let received = 0;
    onRequest = () => {
      received++;
    };
    const s = streamOf();
    const pending = s.send(bindingOf('never'));
    await until(() => received > 0, 'the item to reach the server');
    s.close();
    await assert.rejects(pending, (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, Code.UNAVAILABLE);
      assert.match(err.message, /the test closed the stream/);
      return true;
    });
  });
});

describe('pipelined stream against a server without the method', () => {
  // grpc-js answers UNIMPLEMENTED for a method the service leaves out.
  const server = new Server();
  let client: PodServiceClient;
  before(async () => {
    server.addService(PodServiceService, {});
    client = new PodServiceClient(await listen(server), credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  test('the pending items and every later one go to the fallback', async () => {
    const fallbacks: string[] = [];
    const s = createPipelinedStream<Binding, BindPodsRequest, BindPodsResponse>({
      open: () => client.bindPods(),
      request: (id, binding) => ({ id, binding }),
      describe: (b) => `the binding of pod ${b.metadata?.name}`,
      name: 'the bind stream',
      unknownOutcome: 'the binding may or may not have been made',
      closedMessage: 'the test closed the stream',
      timeoutMs: 5_000,
      fallback: async (b) => {
        fallbacks.push(b.metadata?.name ?? '');
        return `fallback-${b.metadata?.name}`;
      },
    });
    try {
      const sent = await Promise.all(['x', 'y', 'z'].map((n) => s.send(bindingOf(n))));
      assert.deepEqual(sent, ['fallback-x', 'fallback-y', 'fallback-z']);
      assert.equal(s.streaming, false);
      assert.equal(await s.send(bindingOf('w')), 'fallback-w');
      assert.deepEqual(fallbacks.sort(), ['w', 'x', 'y', 'z']);
    } finally {
      s.close();
    }
  });
});
