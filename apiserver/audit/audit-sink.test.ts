import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { BufferedSink, openAuditSink } from './audit-sink.js';

/** A stream that takes `delayMs` per write, recording what it got. */
function slowStream(delayMs: number, highWaterMark = 16) {
  const chunks: string[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      setTimeout(done, delayMs);
    },
  });
  return { stream, chunks };
}

describe('audit: buffered sink', () => {
  test('lines are batched, written later, never while write() runs', async () => {
    const { stream, chunks } = slowStream(0, 1 << 20);
    const sink = new BufferedSink(stream, { flushMs: 20 });
    sink.write('a\n');
    sink.write('b\n');
    assert.deepEqual(chunks, [], 'nothing is written synchronously');
    // The flush timer may fire late on a loaded host: wait for the write, then check it is one.
    for (const deadline = Date.now() + 20_000; chunks.length === 0 && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(chunks, ['a\nb\n'], 'one batch');
    await sink.close();
  });

  test('close writes the backlog, even behind a slow stream', async () => {
    const { stream, chunks } = slowStream(5);
    const sink = new BufferedSink(stream, { flushMs: 1_000, batchBytes: 8, endOnClose: true });
    for (let i = 0; i < 50; i++) sink.write(`line ${i}\n`);
    await sink.close();
    const lines = chunks.join('').split('\n').filter(Boolean);
    assert.equal(lines.length, 50);
    assert.equal(lines[49], 'line 49');
    assert.equal(stream.writableFinished, true);
  });

  test('a full backlog drops lines and says so once, instead of growing', async () => {
    const { stream } = slowStream(50);
    let told = 0;
    const sink = new BufferedSink(stream, {
      batchBytes: 1,
      maxBufferedBytes: 100,
      onDrop: () => {
        told++;
      },
    });
    for (let i = 0; i < 100; i++) sink.write('0123456789\n');
    assert.ok(sink.dropped > 50, `dropped ${sink.dropped}`);
    assert.equal(told, 1);
    await sink.close();
  });

  test('a file sink appends, mode 0600, and is complete after close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-sink-'));
    try {
      const path = join(dir, 'audit.log');
      const sink = openAuditSink(path);
      sink.write('{"n":1}\n');
      await sink.close();
      const again = openAuditSink(path);
      again.write('{"n":2}\n');
      await again.close();
      assert.equal(readFileSync(path, 'utf8'), '{"n":1}\n{"n":2}\n');
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.throws(() => openAuditSink(join(dir, 'missing', 'audit.log')), /ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
