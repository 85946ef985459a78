/**
 * `describe service` as text: kubectl's lines in kubectl's order, and the endpoints of
 * each port as kubectl reads them from EndpointSlices.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Service } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import { type Endpoint, EndpointSlice } from '../../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { Description } from './description.js';
import { describeService } from './service.js';
import { formatServiceEndpoints } from './service-endpoints.js';

const slice = (
  ports: { name?: string; port?: number }[],
  endpoints: { ip: string | string[]; ready?: boolean }[],
): EndpointSlice =>
  EndpointSlice.fromPartial({
    addressType: 'IPv4',
    ports,
    endpoints: endpoints.map(
      (e): Partial<Endpoint> => ({
        addresses: Array.isArray(e.ip) ? e.ip : [e.ip],
        ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
      }),
    ),
  });

const render = (svc: Service, slices: EndpointSlice[] = []) => {
  const d = new Description();
  describeService(d, svc, slices);
  return d.render();
};

describe('describe service', () => {
  it('prints a ClusterIP service as kubectl does, each port with its endpoints', () => {
    const svc = Service.fromPartial({
      metadata: {
        name: 'web',
        namespace: 'shop',
        labels: { tier: 'front', app: 'web' },
        annotations: {
          team: 'checkout',
          'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Service"}',
        },
      },
      spec: {
        type: 'ClusterIP',
        selector: { app: 'web' },
        clusterIp: '10.96.0.10',
        clusterIps: ['10.96.0.10'],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        externalIps: ['1.2.3.4', '5.6.7.8'],
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        ports: [
          {
            name: 'http',
            port: 80,
            protocol: 'TCP',
            targetPort: { value: { $case: 'intVal', value: 8080 } },
          },
          {
            name: 'https',
            port: 443,
            protocol: 'TCP',
            appProtocol: 'https',
            targetPort: { value: { $case: 'strVal', value: 'https' } },
          },
        ],
      },
    });
    const slices = [
      slice(
        [{ name: 'http', port: 8080 }],
        [{ ip: '10.244.0.5', ready: true }, { ip: '10.244.0.6' }, { ip: '10.244.0.7', ready: false }],
      ),
    ];
    assert.equal(
      render(svc, slices),
      `Name:                     web
Namespace:                shop
Labels:                   app=web
                          tier=front
Annotations:              team: checkout
Selector:                 app=web
Type:                     ClusterIP
IP Family Policy:         SingleStack
IP Families:              IPv4
IP:                       10.96.0.10
IPs:                      10.96.0.10
External IPs:             1.2.3.4,5.6.7.8
Port:                     http  80/TCP
TargetPort:               8080/TCP
Endpoints:                10.244.0.5:8080,10.244.0.6:8080
Port:                     https  443/TCP
TargetPort:               https/TCP
AppProtocol:              https
Endpoints:                <none>
Session Affinity:         None
Internal Traffic Policy:  Cluster
`,
    );
  });

  it('prints node ports, the load balancer and its policies; unnamed ports are <unset>', () => {
    const svc = Service.fromPartial({
      metadata: { name: 'lb', namespace: 'default' },
      spec: {
        type: 'LoadBalancer',
        selector: { app: 'web' },
        clusterIp: '10.96.0.11',
        clusterIps: ['10.96.0.11'],
        ipFamilies: ['IPv4'],
        loadBalancerIp: '203.0.113.9',
        loadBalancerSourceRanges: ['10.0.0.0/8', '192.168.0.0/16'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32000,
        trafficDistribution: 'PreferClose',
        sessionAffinity: 'ClientIP',
        ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }],
      },
      status: {
        loadBalancer: {
          ingress: [
            { ip: '203.0.113.9', hostname: '', ipMode: 'VIP' },
            { ip: '', hostname: 'lb.example.com' },
          ],
        },
      },
    });
    const text = render(svc);
    assert.match(text, /^Labels: +<none>\nAnnotations: +<none>\n/m);
    assert.doesNotMatch(text, /IP Family Policy/);
    assert.match(text, /^Desired LoadBalancer IP: +203\.0\.113\.9$/m);
    assert.match(text, /^LoadBalancer Ingress: +203\.0\.113\.9 \(VIP\), lb\.example\.com$/m);
    // An unset target port is the port itself, as the apiserver defaults it.
    assert.match(
      text,
      /^Port: +<unset> {2}80\/TCP\nTargetPort: +80\/TCP\nNodePort: +<unset> {2}30080\/TCP\nEndpoints: +<none>\n/m,
    );
    assert.match(
      text,
      /^Session Affinity: +ClientIP\nExternal Traffic Policy: +Local\nHealthCheck NodePort: +32000\nLoadBalancer Source Ranges: +10\.0\.0\.0\/8,192\.168\.0\.0\/16\nTraffic Distribution: +PreferClose\n$/m,
    );
  });

  it('prints an ExternalName service without IPs or ports, and long annotations under their key', () => {
    const long = 'x'.repeat(200);
    const svc = Service.fromPartial({
      metadata: { name: 'ext', namespace: 'default', annotations: { note: 'one\ntwo\n', long } },
      spec: { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' },
    });
    const text = render(svc);
    assert.match(
      text,
      new RegExp(
        `^Annotations: +long:\\n +  ${'x'.repeat(138)}\\.\\.\\.\\n +note:\\n +  one\\n +  two\\nSelector: +<none>\\n`,
        'm',
      ),
    );
    assert.match(
      text,
      /^IP Families: +<none>\nIP: +<none>\nIPs: +<none>\nExternal Name: +db\.example\.com\n/m,
    );
    assert.doesNotMatch(text, /^Port:/m);
  });
});

describe('service endpoints', () => {
  it('are none (printed <none>) without slices, else the ready addresses of the slice ports of that name', () => {
    assert.equal(formatServiceEndpoints([], 'http'), '');
    const slices = [
      slice(
        [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 9090 },
        ],
        [{ ip: '10.0.0.1' }],
      ),
      slice(
        [{ name: 'http', port: 8081 }],
        [
          { ip: '10.0.0.2', ready: true },
          { ip: '10.0.0.3', ready: false },
        ],
      ),
    ];
    assert.equal(formatServiceEndpoints(slices, 'http'), '10.0.0.1:8080,10.0.0.2:8081');
    assert.equal(formatServiceEndpoints(slices, 'metrics'), '10.0.0.1:9090');
    assert.equal(formatServiceEndpoints(slices, ''), '');
    // A placeholder slice (the controller's, for a Service that selects no ready pod).
    assert.equal(formatServiceEndpoints([slice([], [])], ''), '');
  });

  it('show the first three and count the rest; IPv6 in brackets; a headless slice without ports by address', () => {
    const many = slice(
      [{ name: '', port: 80 }],
      ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip) => ({ ip })),
    );
    assert.equal(formatServiceEndpoints([many], ''), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
    // Not-ready endpoints count neither among the three nor among the rest.
    const three = slice(
      [{ name: '', port: 80 }],
      [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4', ready: false }],
    );
    assert.equal(formatServiceEndpoints([three], ''), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80');
    assert.equal(
      formatServiceEndpoints([slice([{ name: 'dns', port: 53 }], [{ ip: ['fd00::1', 'fd00::2'] }])], 'dns'),
      '[fd00::1]:53',
    );
    assert.equal(
      formatServiceEndpoints([slice([], [{ ip: '10.0.0.9' }, { ip: '10.0.0.8' }])], 'any'),
      '10.0.0.9,10.0.0.8',
    );
  });
});
