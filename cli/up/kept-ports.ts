/**
 * The ports `up` picks itself (metrics, health, the kubelets' APIs, and the apiserver's
 * and the store's when their flag is 0), kept in `<data-dir>/ports.json` so that a second
 * start on the same data dir writes the same static pod manifests and client configs. A manifest that changed is a new pod to the kubelet (its uid is
 * the manifest's hash): the old pod is stopped and its mirror replaced, which a restart
 * with new random ports would do to every control-plane pod at every start.
 *
 * A kept port that something else holds by now is replaced by a free one (and the
 * component's manifest changes, as before). Fixed defaults would keep two clusters from
 * running side by side, which is why the ports are picked at all.
 */
import { once } from 'node:events';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface KeptPorts {
  /** The port of `role` (`scheduler`, `kubelet-node-1`): the kept one if it is free, else a new one. */
  port(role: string): Promise<number>;
  /** A free port, not kept: for ports kept elsewhere (the HA layout's own file). */
  free(): Promise<number>;
  /** Ports given on the command line: never handed out for another role. */
  reserve(ports: readonly number[]): void;
  /** Writes the ports handed out, for the next start. */
  save(): void;
}

export const PORTS_FILE = 'ports.json';

export function createKeptPorts(dataDir: string, host: string): KeptPorts {
  const file = join(dataDir, PORTS_FILE);
  const kept = readKept(file);
  const chosen: Record<string, number> = {};
  /** Ports handed out by this process: a port closed after the probe may be offered again. */
  const taken = new Set<number>();
  const take = async (preferred: number | undefined): Promise<number> => {
    let port: number | undefined;
    if (preferred !== undefined && !taken.has(preferred)) port = await listenable(host, preferred);
    for (let attempt = 0; port === undefined || taken.has(port); attempt++) {
      if (attempt === 100) throw new Error(`found no free port on ${host} in 100 attempts`);
      port = await listenable(host, 0);
    }
    taken.add(port);
    return port;
  };
  return {
    async port(role) {
      const port = await take(kept[role]);
      chosen[role] = port;
      return port;
    },
    free: () => take(undefined),
    reserve(ports) {
      for (const port of ports) taken.add(port);
    },
    save() {
      // Roles not used this time (fewer --nodes) are kept too, for a later start with them.
      const tmp = `${file}.${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify({ ...kept, ...chosen }, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    },
  };
}

function readKept(file: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed).filter(
      (e): e is [string, number] => Number.isInteger(e[1]) && e[1] > 0 && e[1] < 65536,
    ),
  );
}

/** Binds `port` (0: any) on `host` and lets it go: the port bound, or undefined if it is held. */
export async function listenable(host: string, port: number): Promise<number | undefined> {
  const server = createServer();
  server.listen(port, host);
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
