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
import { readFileSync } from 'node:fs';
import { listenable } from '../cli/up/kept-ports.js';

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

export async function freePort(): Promise<number> {
  if (low) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = LOWEST + Math.floor(Math.random() * (low - LOWEST));
      if (handedOut.has(port)) continue;
      const bound = await listenable('127.0.0.1', port);
      if (bound !== undefined) {
        handedOut.add(bound);
        return bound;
      }
    }
  }
  // No known ephemeral range (or nothing free below it): let the kernel choose.
  const port = (await listenable('127.0.0.1', 0))!;
  handedOut.add(port);
  return port;
}
