/**
 * Crash test: the real store process is killed with SIGKILL while many writes are in
 * flight, restarted, and checked: every acknowledged write is there at its revision,
 * revisions are gapless and increasing, and no write is visible in part.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { ensureStorePki } from '../sdk/pki/index.js';
import { StoreClient } from './client.js';
import { spawnStore } from './spawn-store.js';
import type { Event } from './types.js';

const ROUNDS = 4;
const WORKERS = 48;
const WRITE_MS = 400;
/** Writes acknowledged in a round before its kill. */
const MIN_WRITES = 100;

const dir = mkdtempSync(join(tmpdir(), 'store-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Acked {
  key: string;
  revision: number;
  value: string;
}

/** A value that proves it is whole: its last 16 characters are a hash of the rest. */
function payload(key: string, n: number): string {
  const body = `${key}#${n}#${'x'.repeat(100 + (n % 400))}`;
  return body + createHash('sha256').update(body).digest('hex').slice(0, 16);
}

function isWhole(value: string): boolean {
  const body = value.slice(0, -16);
  return createHash('sha256').update(body).digest('hex').slice(0, 16) === value.slice(-16);
}

async function startStore(): Promise<{ child: ChildProcess; client: StoreClient }> {
  const store = spawnStore(dir, ['--compact-keep-minutes', '0']);
  const { child } = store;
  const port = await store.port();
  const pki = ensureStorePki(dir);
  const client = new StoreClient({
    address: `127.0.0.1:${port}`,
    credentials: credentials.createSsl(
      readFileSync(pki.caFile),
      readFileSync(pki.clientKeyFile),
      readFileSync(pki.clientCertFile),
    ),
  });
  return { child, client };
}

/** Workers create and update keys as fast as acknowledgements come, recording each one. */
function writeUntil(client: StoreClient, round: number, acked: Acked[], stop: { now: boolean }) {
  return Array.from({ length: WORKERS }, async (_, w) => {
    const mine: Acked[] = [];
    for (let n = 0; !stop.now; n++) {
      try {
        if (n % 3 === 2 && mine.length > 0) {
          const last = mine[mine.length - 1]!;
          const value = payload(last.key, n);
          const kv = await client.update(last.key, Buffer.from(value), last.revision);
          const entry = { key: last.key, revision: kv.modRevision, value };
          mine.push(entry);
          acked.push(entry);
        } else {
          const key = `/crash/${round}/${w}/${n}`;
          const value = payload(key, n);
          const kv = await client.create(key, Buffer.from(value));
          const entry = { key, revision: kv.modRevision, value };
          mine.push(entry);
          acked.push(entry);
        }
      } catch {
        return; // the store was killed under this request: its outcome is unknown
      }
    }
  });
}

it('keeps every acknowledged write across SIGKILL, with gapless revisions and no partial writes', async () => {
  const acked: Acked[] = [];
  let { child, client } = await startStore();
  await client.create('/crash/seed', Buffer.from(payload('/crash/seed', 0)));
  for (let round = 0; round < ROUNDS; round++) {
    const stop = { now: false };
    const ackedAtStart = acked.length;
    const workers = writeUntil(client, round, acked, stop);
    // At least WRITE_MS of writing, and enough writes that the kill lands among many.
    await new Promise((r) => setTimeout(r, WRITE_MS));
    const deadline = Date.now() + 20_000;
    while (acked.length - ackedAtStart <= MIN_WRITES && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const ackedBeforeKill = acked.length - ackedAtStart;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    stop.now = true;
    await Promise.all(workers);
    client.close();
    assert.ok(ackedBeforeKill > MIN_WRITES, `round ${round}: only ${ackedBeforeKill} writes before the kill`);

    ({ child, client } = await startStore());
    const status = await client.status();
    // Every acknowledged write, at its revision, with its value.
    const checks = await Promise.all(acked.map((a) => client.get(a.key, a.revision)));
    checks.forEach(({ kv }, i) => {
      const a = acked[i]!;
      assert.equal(kv?.modRevision, a.revision, `round ${round}: ${a.key}@${a.revision} lost`);
      assert.equal(kv?.value.toString(), a.value, `round ${round}: ${a.key}@${a.revision} changed`);
    });
    // The revision log from the seed on: consecutive, increasing, each event whole.
    const events: Event[] = [];
    for await (const batch of client.watch('/crash/', 1)) {
      events.push(...batch.events);
      if (batch.revision >= status.revision) break;
    }
    assert.deepEqual(
      events.map((e) => e.kv.modRevision),
      Array.from({ length: status.revision - 1 }, (_, i) => i + 2),
      `round ${round}: revisions must be gapless`,
    );
    for (const e of events) assert.ok(isWhole(e.kv.value.toString()), `round ${round}: partial value`);
    const { kvs } = await client.list('/crash/');
    assert.equal(kvs.length, status.keys);
    for (const kv of kvs)
      assert.ok(isWhole(kv.value.toString()), `round ${round}: partial value at ${kv.key}`);
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  client.close();
});
