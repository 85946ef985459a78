import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import {
  credentials,
  Metadata,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import { rawMethod } from '../test/raw-method.js';
import { ApiError, Code, fromServiceError, type ServiceStatus, toServiceError } from './errors.js';
import { createLogger, maxLoggedChars } from './logger.js';

async function lines(write: (log: ReturnType<typeof createLogger>) => void): Promise<string[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => {
    text += d.toString();
  });
  write(createLogger('test', { destination: out, level: 'info' }));
  await new Promise((resolve) => setImmediate(resolve));
  return text.trim().split('\n');
}

test('a logged value is never written in full past maxLoggedChars; redaction still applies', async () => {
  const big = 'x'.repeat(1 << 20);
  const out = await lines((log) => {
    log.info({ detail: big, nested: { value: big, token: 'secret' }, token: 'secret' }, big);
    log.error({ err: new Error(`label value "${big}" is invalid`) }, 'call failed');
    log.warn(new Error(big));
  });
  assert.equal(out.length, 3);
  for (const line of out) {
    assert.ok(line.length < 5 * maxLoggedChars, `a line of ${line.length} characters`);
    assert.ok(!line.includes('secret'));
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.ok(JSON.stringify(entry).includes('...(truncated)'));
  }
  const first = JSON.parse(out[0]!) as {
    detail: string;
    msg: string;
    nested: { value: string; token: string };
  };
  assert.equal(first.detail.length, maxLoggedChars);
  assert.equal(first.msg.length, maxLoggedChars);
  assert.equal(first.nested.value.length, maxLoggedChars);
  assert.equal(first.nested.token, '[redacted]');
  const second = JSON.parse(out[1]!) as { err: { message: string; stack: string } };
  assert.ok(second.err.message.startsWith('label value "xxx'));
  assert.match(second.err.stack, /\n\s+at /, 'the stack keeps its frames');
});

test('ordinary entries are written as they are', async () => {
  const [line] = await lines((log) => log.info({ method: '/a/B', code: 'NOT_FOUND', n: 3 }, 'call refused'));
  const entry = JSON.parse(line!) as Record<string, unknown>;
  assert.equal(entry.method, '/a/B');
  assert.equal(entry.code, 'NOT_FOUND');
  assert.equal(entry.n, 3);
  assert.equal(entry.msg, 'call refused');
});

/** A failed call as a client receives it: a grpc-js ServiceError with the server's trailers. */
async function failedCall(err: ApiError): Promise<ServiceError> {
  const definition = { call: rawMethod('/test.Failing/Call') };
  const server = new Server();
  server.addService(definition, {
    call: (_call: unknown, done: (e: ServiceStatus) => void) => done(toServiceError(err)),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const Client = makeGenericClientConstructor(definition, 'Failing');
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
    call(req: Buffer, done: (e: ServiceError | null) => void): void;
    close(): void;
  };
  try {
    return await new Promise<ServiceError>((resolve, reject) =>
      client.call(Buffer.alloc(0), (e) => (e ? resolve(e) : reject(new Error('the call succeeded')))),
    );
  } finally {
    client.close();
    server.forceShutdown();
  }
}

test("a failed call's error is logged as its code and message, never its metadata or trailers", async () => {
  const trailers = new Metadata();
  trailers.set('wheelhouse-object-bin', Buffer.alloc(3000, 7));
  const refused = new ApiError(
    Code.PERMISSION_DENIED,
    'pods "web" is forbidden: no relationship found between node "node-1" and this pod',
    { name: 'web', kind: 'pods' },
    trailers,
  );
  const received = await failedCall(refused);
  assert.ok(received.metadata.get('wheelhouse-object-bin').length > 0, 'the client got the trailers');
  const out = await lines((log) => {
    log.warn({ err: received, uid: 'u1' }, 'failed to sync a pod; retrying');
    log.warn({ err: fromServiceError(received), uid: 'u1' }, 'failed to sync a pod; retrying');
    log.warn({ failures: [fromServiceError(received)] }, 'under another key');
  });
  assert.equal(out.length, 3);
  for (const line of out) {
    assert.ok(line.length < 600, `a line of ${line.length} characters: ${line.slice(0, 300)}`);
    assert.doesNotMatch(line, /metadata|trailers|wheelhouse-|"data":\[|"stack"/);
    assert.match(line, /"code":"PERMISSION_DENIED"/);
    assert.match(line, /no relationship found between node \\"node-1\\" and this pod/);
  }
  const [raw, api, nested] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(raw!.err, {
    type: 'Error',
    code: 'PERMISSION_DENIED',
    message:
      '7 PERMISSION_DENIED: pods "web" is forbidden: no relationship found between node "node-1" and this pod',
  });
  const { details, ...rest } = api!.err as Record<string, unknown>;
  assert.deepEqual(rest, {
    type: 'ApiError',
    code: 'PERMISSION_DENIED',
    message: 'pods "web" is forbidden: no relationship found between node "node-1" and this pod',
  });
  assert.deepEqual(details, { name: 'web', kind: 'pods' }, 'short details are kept, without empty fields');
  assert.deepEqual((nested!.failures as unknown[])[0], api!.err);
});

test("an error's details are logged only when short; plain errors keep their stack, cause and fields", async () => {
  const cause = (i: number) => ({
    field: `spec.containers[${i}].image`,
    reason: 'FieldValueRequired',
    message: 'Required value',
  });
  const few = ApiError.invalid('Pod "web" is invalid', [cause(0)]);
  const many = ApiError.invalid(
    'Pod "web" is invalid',
    Array.from({ length: 100 }, (_, i) => cause(i)),
  );
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1', { cause: few }), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    port: 1,
    socket: { huge: 'x'.repeat(10_000) },
  });
  const broken = ApiError.internal('the object could not be decoded');
  const out = await lines((log) => {
    log.warn({ err: few }, 'few');
    log.warn({ err: many }, 'many');
    log.warn({ err: refused }, 'refused');
    log.error({ err: broken }, 'broken');
    log.warn({ err: new AggregateError([few, many, refused, broken], 'all failed') }, 'aggregated');
  });
  const [f, m, r, b, all] = out.map((l) => (JSON.parse(l) as { err: Record<string, unknown> }).err);
  assert.deepEqual((f!.details as { causes: unknown[] }).causes, [cause(0)]);
  assert.equal(f!.code, 'INVALID_ARGUMENT');
  assert.equal(m!.details, undefined, 'a hundred causes are not short');
  assert.equal(m!.message, 'Pod "web" is invalid');
  assert.equal(r!.code, 'ECONNREFUSED');
  assert.equal(r!.errno, -111);
  assert.equal(r!.syscall, 'connect');
  assert.equal(r!.port, 1);
  assert.equal(r!.socket, undefined, 'objects an error holds are left out');
  assert.match(String(r!.stack), /^Error: connect ECONNREFUSED 127.0.0.1:1\n\s+at /);
  assert.equal((r!.cause as Record<string, unknown>).code, 'INVALID_ARGUMENT');
  assert.equal(b!.code, 'INTERNAL');
  assert.match(String(b!.stack), /\n\s+at /, 'an internal error may be a bug: its stack is kept');
  assert.deepEqual(
    (all!.errors as { code: string }[]).map((e) => e.code),
    ['INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'ECONNREFUSED'],
  );
  assert.equal(all!.moreErrors, 1);
});
