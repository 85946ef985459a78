/**
 * A loopback port that was free a moment ago: for a server a test starts, or one it
 * expects nothing on.
 *
 * The port comes from below the kernel's ephemeral range, so the local end of some
 * other test's outgoing connection cannot take it between this check and the server's
 * listen (a port handed out by `listen(0)` can be). Each port is handed out once per
 * process; another process picking the same one at random is unlikely and caught by the
 * bind check only when it is already listening.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 10_000;
const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > LOWEST + 1000) return low;
  } catch {}
  return 0;
}

const low = ephemeralLow();

async function bindable(port: number): Promise<number | undefined> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => Promise.reject(err)),
    ]);
  } catch {
    return undefined;
  }
  const bound = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return bound;
}

export async function freePort(): Promise<number> {
  if (low) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = LOWEST + Math.floor(Math.random() * (low - LOWEST));
      if (handedOut.has(port)) continue;
      const bound = await bindable(port);
      if (bound !== undefined) {
        handedOut.add(bound);
        return bound;
      }
    }
  }
  // No known ephemeral range (or nothing free below it): let the kernel choose.
  const port = (await bindable(0))!;
  handedOut.add(port);
  return port;
}
