/**
 * The variables that point a container at the Services of its namespace (Kubernetes'
 * service links, on unless the pod sets `enableServiceLinks: false`): for a Service
 * `redis-primary` at 10.0.0.11 with port 6379/TCP,
 *
 *   REDIS_PRIMARY_SERVICE_HOST=10.0.0.11   REDIS_PRIMARY_SERVICE_PORT=6379
 *   REDIS_PRIMARY_PORT=tcp://10.0.0.11:6379
 *   REDIS_PRIMARY_PORT_6379_TCP=tcp://10.0.0.11:6379
 *   REDIS_PRIMARY_PORT_6379_TCP_PROTO=tcp  ..._PORT=6379  ..._ADDR=10.0.0.11
 *
 * plus `_SERVICE_PORT_<NAME>` for each named port. Services without a cluster IP
 * (headless, ExternalName) give none. They come before the container's own variables,
 * which win.
 */
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';

const envName = (name: string) => name.toUpperCase().replace(/-/g, '_');

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIp ?? '';
  return ip !== '' && ip !== 'None';
}

export function serviceLinkEnv(services: readonly Service[]): Map<string, string> {
  const env = new Map<string, string>();
  // By name, so that the variables come out in the same order on every node.
  const sorted = services
    .filter(hasClusterIP)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const svc of sorted) {
    const prefix = envName(svc.metadata?.name ?? '');
    const ip = svc.spec?.clusterIp ?? '';
    const ports = svc.spec?.ports ?? [];
    const first = ports[0];
    if (first === undefined) continue;
    env.set(`${prefix}_SERVICE_HOST`, ip);
    env.set(`${prefix}_SERVICE_PORT`, String(first.port));
    for (const p of ports) {
      if (p.name !== '') env.set(`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    }
    const proto = (first.protocol || 'TCP').toLowerCase();
    env.set(`${prefix}_PORT`, `${proto}://${ip}:${first.port}`);
    for (const p of ports) {
      const protocol = (p.protocol || 'TCP').toLowerCase();
      const base = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      env.set(base, `${protocol}://${ip}:${p.port}`);
      env.set(`${base}_PROTO`, protocol);
      env.set(`${base}_PORT`, String(p.port));
      env.set(`${base}_ADDR`, ip);
    }
  }
  return env;
}
