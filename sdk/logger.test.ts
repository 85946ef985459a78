import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
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
