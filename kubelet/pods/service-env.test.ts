import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import { serviceLinkEnv } from './service-env.js';

const svc = (name: string, clusterIp: string, ports: { name?: string; port: number; protocol?: string }[]) =>
  Service.fromPartial({
    metadata: { name, namespace: 'default' },
    spec: { clusterIp, ports: ports.map((p) => ({ protocol: 'TCP', ...p })) },
  });

describe('service link variables', () => {
  it('names each Service host and ports, Docker-link style too', () => {
    const env = serviceLinkEnv([
      svc('redis-primary', '10.0.0.11', [{ port: 6379 }]),
      svc('web', '10.0.0.12', [
        { name: 'http', port: 80 },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ]),
    ]);
    assert.deepEqual(Object.fromEntries(env), {
      REDIS_PRIMARY_SERVICE_HOST: '10.0.0.11',
      REDIS_PRIMARY_SERVICE_PORT: '6379',
      REDIS_PRIMARY_PORT: 'tcp://10.0.0.11:6379',
      REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.0.0.11:6379',
      REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
      REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.0.0.11',
      WEB_SERVICE_HOST: '10.0.0.12',
      WEB_SERVICE_PORT: '80',
      WEB_SERVICE_PORT_HTTP: '80',
      WEB_SERVICE_PORT_DNS: '53',
      WEB_PORT: 'tcp://10.0.0.12:80',
      WEB_PORT_80_TCP: 'tcp://10.0.0.12:80',
      WEB_PORT_80_TCP_PROTO: 'tcp',
      WEB_PORT_80_TCP_PORT: '80',
      WEB_PORT_80_TCP_ADDR: '10.0.0.12',
      WEB_PORT_53_UDP: 'udp://10.0.0.12:53',
      WEB_PORT_53_UDP_PROTO: 'udp',
      WEB_PORT_53_UDP_PORT: '53',
      WEB_PORT_53_UDP_ADDR: '10.0.0.12',
    });
  });

  it('leaves out headless Services and those without an address or ports', () => {
    const env = serviceLinkEnv([
      svc('headless', 'None', [{ port: 80 }]),
      svc('external', '', []),
      svc('portless', '10.0.0.13', []),
    ]);
    assert.equal(env.size, 0);
  });
});
