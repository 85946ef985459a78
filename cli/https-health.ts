/**
 * Whether a component's HTTPS health endpoint (`/readyz` of the scheduler, the
 * controller manager, the kubelet) answers 200, verifying its certificate with
 * the cluster CA: how `wheelhouse up` knows such a component is ready.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export function httpsHealthy(
  url: string,
  caFile: string,
  opts: { servername?: string; timeoutMs?: number } = {},
): Promise<boolean> {
  const ca = readFileSync(caFile);
  return new Promise((resolve) => {
    const req = request(url, { ca, servername: opts.servername, timeout: opts.timeoutMs ?? 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve(false));
    req.end();
  });
}
