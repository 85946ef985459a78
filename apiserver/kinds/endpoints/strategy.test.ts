import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoints } from '../../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { endpointsStrategy } from './strategy.js';

const strategy = endpointsStrategy();

function created(subsets: string): Endpoints {
  const ep = fromYaml<Endpoints>(
    `apiVersion: v1\nkind: Endpoints\nmetadata: {name: db, namespace: default}\n${subsets}`,
  );
  strategy.applyDefaults(ep);
  strategy.prepareForCreate(ep, ctx);
  return ep;
}

const refusals = (subsets: string) => messages(strategy.validate(created(subsets), ctx));

describe('Endpoints', () => {
  it('defaults each port to TCP and takes a manifest as written, subsets in their order', () => {
    const ep = created(`
subsets:
- addresses: [{ip: 10.0.0.2, hostname: db-1, nodeName: node-a, targetRef: {kind: Pod, name: db-1}}]
  notReadyAddresses: [{ip: 10.0.0.9}]
  ports: [{name: sql, port: 5432}, {name: metrics, port: 9187, protocol: UDP, appProtocol: example.com/metrics}]
- addresses: [{ip: 10.0.0.1}, {ip: "2001:db8::1"}]
`);
    assert.deepEqual(
      ep.subsets[0]?.ports.map((p) => [p.name, p.protocol]),
      [
        ['sql', 'TCP'],
        ['metrics', 'UDP'],
      ],
    );
    assert.deepEqual(
      ep.subsets.map((s) => s.addresses.map((a) => a.ip)),
      [['10.0.0.2'], ['10.0.0.1', '2001:db8::1']],
    );
    assert.deepEqual(messages(strategy.validate(ep, ctx)), []);
    assert.equal(strategy.tracksGeneration, undefined);
    assert.equal(strategy.status, undefined);
    assert.equal(strategy.nameRule, 'subdomain');
  });

  it('takes no subsets, and a subset without ports (a headless Service)', () => {
    assert.deepEqual(refusals('subsets: []'), []);
    assert.deepEqual(refusals('subsets: [{notReadyAddresses: [{ip: 10.0.0.1}]}]'), []);
  });

  it('refuses a subset without addresses', () => {
    assert.deepEqual(refusals('subsets: [{ports: [{port: 80}]}]'), [
      'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
    ]);
  });

  it('refuses an address that is not an IP, with both of Kubernetes’ messages', () => {
    assert.deepEqual(refusals('subsets: [{addresses: [{ip: db.example.com}]}]'), [
      'subsets[0].addresses[0].ip: Invalid value: "db.example.com": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "db.example.com": must be a valid IP address',
    ]);
    assert.deepEqual(refusals('subsets: [{addresses: [{ip: "fe80::1%eth0"}]}]').length, 2);
  });

  it('refuses unspecified, link-local and link-local multicast IPs, ready or not', () => {
    assert.deepEqual(
      refusals(`
subsets:
- addresses: [{ip: 0.0.0.0}, {ip: 169.254.169.254}, {ip: 224.0.0.251}]
  notReadyAddresses: [{ip: "::"}, {ip: "fe80::1"}, {ip: "ff02::fb"}, {ip: "::ffff:169.254.0.1"}]
`),
      [
        'subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
        'subsets[0].addresses[1].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
        'subsets[0].addresses[2].ip: Invalid value: "224.0.0.251": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
        'subsets[0].notReadyAddresses[0].ip: Invalid value: "::": may not be unspecified (::)',
        'subsets[0].notReadyAddresses[1].ip: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
        'subsets[0].notReadyAddresses[2].ip: Invalid value: "ff02::fb": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
        'subsets[0].notReadyAddresses[3].ip: Invalid value: "::ffff:169.254.0.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      ],
    );
    // Global multicast is not special to Kubernetes; loopback is accepted here (the
    // address of every pod of a plane on one machine).
    assert.deepEqual(refusals('subsets: [{addresses: [{ip: 239.1.1.1}, {ip: 127.0.0.1}, {ip: "::1"}]}]'), []);
  });

  it('refuses a hostname that is not a DNS label and a node name that is not a subdomain', () => {
    assert.deepEqual(
      refusals('subsets: [{addresses: [{ip: 10.0.0.1, hostname: db.0, nodeName: Node_A}]}]').map((m) =>
        m.split(':').slice(0, 2).join(':'),
      ),
      ['subsets[0].addresses[0].hostname: Invalid value', 'subsets[0].addresses[0].nodeName: Invalid value'],
    );
  });

  it('refuses ports: unnamed among several, bad names, numbers, protocols and app protocols', () => {
    assert.deepEqual(
      refusals(`
subsets:
- addresses: [{ip: 10.0.0.1}]
  ports:
  - {port: 80}
  - {name: Web, port: 0}
  - {name: dns, port: 65536, protocol: ICMP}
  - {name: h2, port: 8443, appProtocol: "not a protocol"}
`).map((m) => m.replace(/: (a lowercase RFC 1123|name part must).*$/, ': …')),
      [
        'subsets[0].ports[0].name: Required value',
        'subsets[0].ports[1].name: Invalid value: "Web": …',
        'subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'subsets[0].ports[2].port: Invalid value: 65536: must be between 1 and 65535, inclusive',
        'subsets[0].ports[2].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
        'subsets[0].ports[3].appProtocol: Invalid value: "not a protocol": …',
      ],
    );
    // One port needs no name.
    assert.deepEqual(refusals('subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}]}]'), []);
  });

  it('validates an update as a create', () => {
    const old = created('subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}]}]');
    const next = created('subsets: [{addresses: [{ip: 169.254.0.9}], ports: [{port: 80}]}]');
    strategy.prepareForUpdate(next, old, ctx);
    assert.deepEqual(messages(strategy.validateUpdate(next, old, ctx)), [
      'subsets[0].addresses[0].ip: Invalid value: "169.254.0.9": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ]);
  });
});
