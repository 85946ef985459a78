import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Endpoints } from '../gen/wheelhouse/core/v1/endpoints.js';
import { resolveResource } from '../kinds.js';
import { formatEndpoints, printerFor } from './index.js';

const now = new Date('2026-01-01T00:10:00Z');

const endpoints = (subsets: unknown[]) =>
  Endpoints.fromJSON({ metadata: { name: 'db', creationTimestamp: '2026-01-01T00:00:00Z' }, subsets });

const ips = (...list: string[]) => list.map((ip) => ({ ip }));

describe('endpoints', () => {
  const info = resolveResource('ep');
  assert.ok(info);
  const printer = printerFor(info);

  it('have the columns kubectl get endpoints shows', () => {
    assert.deepEqual(
      printer.columns.map((c) => [c.name.toUpperCase(), c.type, c.priority]),
      [
        ['NAME', 'string', 0],
        ['ENDPOINTS', 'string', 0],
        ['AGE', 'string', 0],
      ],
    );
    const ep = endpoints([{ addresses: ips('10.0.0.1'), ports: [{ port: 80 }] }]);
    assert.deepEqual(printer.cells(ep, now), ['db', '10.0.0.1:80', '10m']);
  });

  it('print <none> without subsets, and nothing when no address is ready', () => {
    assert.equal(formatEndpoints(endpoints([])), '<none>');
    assert.equal(
      formatEndpoints(endpoints([{ notReadyAddresses: ips('10.0.0.1'), ports: [{ port: 80 }] }])),
      '',
    );
  });

  it('go port by port, each with every ready address, IPv6 in brackets', () => {
    const ep = endpoints([
      {
        addresses: ips('10.0.0.1', '2001:db8::2'),
        notReadyAddresses: ips('10.0.0.9'),
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 443 },
        ],
      },
    ]);
    assert.equal(formatEndpoints(ep), '10.0.0.1:80,[2001:db8::2]:80,10.0.0.1:443 + 1 more...');
  });

  it('list a subset without ports by its bare addresses, and count every subset in the rest', () => {
    const ep = endpoints([
      { addresses: ips('10.0.0.1', '10.0.0.2') },
      { addresses: ips('10.0.1.1', '10.0.1.2'), ports: [{ port: 53 }, { port: 5353 }] },
    ]);
    assert.equal(formatEndpoints(ep), '10.0.0.1,10.0.0.2,10.0.1.1:53 + 3 more...');
    assert.equal(
      formatEndpoints(endpoints([{ addresses: ips('10.0.0.1', '10.0.0.2', '10.0.0.3') }])),
      '10.0.0.1,10.0.0.2,10.0.0.3',
    );
  });
});
