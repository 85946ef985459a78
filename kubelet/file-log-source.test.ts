import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ApiError, Code } from '../sdk/errors.js';
import type { ContainerLogRequest } from './container-logs.js';
import { fileLogSource } from './file-log-source.js';
import { parseLogLine } from './log-line-format.js';

const root = mkdtempSync(join(tmpdir(), 'kubelet-logs-'));
after(() => rmSync(root, { recursive: true, force: true }));

const source = fileLogSource({ root, pollMs: 50 });

function cri(time: Date, text: string, tag = 'F', stream = 'stdout'): string {
  return `${time.toISOString().replace('Z', '000000Z')} ${stream} ${tag} ${text}\n`;
}

function logFile(pod: string, container: string, instance: number, content: string, uid = 'uid-1'): string {
  const dir = join(root, `default_${pod}_${uid}`, container);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${instance}.log`);
  writeFileSync(file, content);
  return file;
}

function request(podName: string, extra: Partial<ContainerLogRequest> = {}): ContainerLogRequest {
  return {
    namespace: 'default',
    podName,
    podUid: '',
    container: 'app',
    follow: false,
    previous: false,
    timestamps: false,
    ...extra,
  };
}

async function read(req: ContainerLogRequest, signal = new AbortController().signal): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of source.stream(req, signal)) parts.push(chunk);
  return Buffer.concat(parts).toString();
}

const now = Date.now();
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000);

describe('file-backed container logs', () => {
  const lines = Array.from({ length: 10 }, (_, i) => cri(at(100 - i * 10), `line ${i}`)).join('');
  logFile('web', 'app', 0, lines);

  test('the whole log, as lines without the CRI framing', async () => {
    const text = await read(request('web'));
    assert.equal(text, `${Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n')}\n`);
  });

  test('tail_lines, since_seconds, limit_bytes and timestamps', async () => {
    assert.equal(await read(request('web', { tailLines: 2 })), 'line 8\nline 9\n');
    assert.equal(await read(request('web', { tailLines: 0 })), '');
    assert.equal((await read(request('web', { tailLines: 50 }))).split('\n').length, 11);
    // Lines 0..9 were written 100, 90, ..., 10 seconds ago.
    assert.equal(await read(request('web', { sinceSeconds: 25 })), 'line 8\nline 9\n');
    assert.equal(await read(request('web', { sinceSeconds: 35, tailLines: 2 })), 'line 8\nline 9\n');
    assert.equal(await read(request('web', { limitBytes: 10 })), 'line 0\nlin');
    const stamped = await read(request('web', { tailLines: 1, timestamps: true }));
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 9\n$/);
    assert.equal(Date.parse(stamped.split(' ')[0]!), now - 10_000);
  });

  test('partial lines are joined, with one timestamp per line; lines not in CRI format pass as they are', async () => {
    logFile(
      'joined',
      'app',
      0,
      cri(at(3), 'hel', 'P') + cri(at(2), 'lo', 'F') + 'plain text\n' + cri(at(1), 'end'),
    );
    assert.equal(await read(request('joined')), 'hello\nplain text\nend\n');
    const stamped = await read(request('joined', { timestamps: true }));
    assert.equal(stamped.match(/Z /g)?.length, 2, stamped);
    assert.match(stamped, /Z hello\nplain text\n.*Z end\n$/);
  });

  test('previous reads the instance before the current one; unknown pods and containers are NOT_FOUND', async () => {
    logFile('restarted', 'app', 0, cri(at(5), 'first run'));
    logFile('restarted', 'app', 1, cri(at(1), 'second run'));
    assert.equal(await read(request('restarted')), 'second run\n');
    assert.equal(await read(request('restarted', { previous: true })), 'first run\n');
    await assertNotFound(read(request('web', { previous: true })), /no previous terminated instance/);
    await assertNotFound(read(request('nobody')), /default\/nobody has no logs on this node/);
    await assertNotFound(read(request('web', { container: 'sidecar' })), /container "sidecar"/);
    await assertNotFound(read(request('web', { podUid: 'another-uid' })), /uid another-uid/);
    assert.equal(await read(request('web', { podUid: 'uid-1', tailLines: 1 })), 'line 9\n');
  });

  test('follow sends lines as they are written, and ends when the caller cancels', async () => {
    const file = logFile('follow', 'app', 0, cri(at(1), 'before'));
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const chunk of source.stream(request('follow', { follow: true }), controller.signal)) {
        seen.push(chunk.toString());
        if (seen.join('').includes('after 2')) controller.abort();
      }
    })();
    await waitFor(() => seen.join('') === 'before\n');
    appendFileSync(file, cri(new Date(), 'after 1'));
    await waitFor(() => seen.join('').includes('after 1\n'));
    // A line written in two writes is sent once it is whole.
    appendFileSync(file, `${new Date().toISOString()} stdout F after`);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(seen.join(''), 'before\nafter 1\n');
    appendFileSync(file, ' 2\n');
    await done;
    assert.equal(seen.join(''), 'before\nafter 1\nafter 2\n');
  });

  test('follow ends once a new instance of the container writes its own log', async () => {
    const file = logFile('follow-restart', 'app', 0, cri(at(2), 'one'));
    const done = read(request('follow-restart', { follow: true }));
    await new Promise((r) => setTimeout(r, 80));
    appendFileSync(file, cri(at(1), 'two'));
    logFile('follow-restart', 'app', 1, cri(new Date(), 'new instance'));
    assert.equal(await done, 'one\ntwo\n');
  });

  test('a tail of a log larger than one read block', async () => {
    const big = Array.from({ length: 5000 }, (_, i) => cri(at(1), `row ${i} ${'x'.repeat(40)}`)).join('');
    logFile('big', 'app', 0, big);
    const tail = await read(request('big', { tailLines: 3 }));
    assert.deepEqual(
      tail.split('\n').map((l) => l.split(' ').slice(0, 2).join(' ')),
      ['row 4997', 'row 4998', 'row 4999', ''],
    );
    assert.equal((await read(request('big'))).split('\n').length, 5001);
  });

  test('parseLogLine keeps malformed lines whole', () => {
    assert.equal(parseLogLine(Buffer.from('2024-01-01T00:00:00Z stdout X text')).time, undefined);
    assert.equal(
      parseLogLine(Buffer.from('not a time stdout F text')).content.toString(),
      'not a time stdout F text',
    );
    const ok = parseLogLine(Buffer.from('2024-01-01T00:00:00.5Z stderr P part'));
    assert.deepEqual(
      [ok.partial, ok.content.toString(), ok.time],
      [true, 'part', Date.UTC(2024, 0, 1, 0, 0, 0, 500)],
    );
  });
});

async function assertNotFound(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, Code.NOT_FOUND);
    assert.match(err.message, message);
    return true;
  });
}

async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
