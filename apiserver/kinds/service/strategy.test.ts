import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { serviceStrategy } from './strategy.js';

const strategy = serviceStrategy();

function created(yaml: string): Service {
  const svc = fromYaml<Service>(`apiVersion: v1\nkind: Service\n${yaml}`);
  strategy.applyDefaults(svc);
  strategy.prepareForCreate(svc, ctx);
  return svc;
}

function updated(next: Service, old: Service): Service {
  strategy.applyDefaults(next);
  strategy.prepareForUpdate(next, old, ctx);
  return next;
}

describe('Service', () => {
  it('defaults a Kubernetes manifest as the apiserver does', () => {
    const svc = created(`
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: metrics, port: 9090}
`);
    const spec = svc.spec;
    assert.equal(spec?.type, 'ClusterIP');
    assert.equal(spec?.sessionAffinity, 'None');
    assert.equal(spec?.internalTrafficPolicy, 'Cluster');
    assert.equal(spec?.externalTrafficPolicy, '');
    assert.equal(spec?.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(spec?.ipFamilies, ['IPv4']);
    assert.deepEqual(
      spec?.ports.map((p) => [p.protocol, p.targetPort?.value]),
      [
        ['TCP', { $case: 'intVal', value: 8080 }],
        ['TCP', { $case: 'intVal', value: 9090 }],
      ],
    );
    assert.deepEqual(messages(strategy.validate(svc, ctx)), []);
  });

  it('defaults the external policy of NodePort and LoadBalancer Services, and ClientIP affinity', () => {
    const svc = created(`
metadata: {name: lb, namespace: default}
spec:
  type: LoadBalancer
  sessionAffinity: ClientIP
  ports: [{port: 443, targetPort: https}]
`);
    assert.equal(svc.spec?.externalTrafficPolicy, 'Cluster');
    assert.equal(svc.spec?.allocateLoadBalancerNodePorts, true);
    assert.equal(svc.spec?.sessionAffinityConfig?.clientIp?.timeoutSeconds, 10800);
    assert.deepEqual(svc.spec?.ports[0]?.targetPort?.value, { $case: 'strVal', value: 'https' });
    assert.deepEqual(messages(strategy.validate(svc, ctx)), []);
  });

  it('refuses what Kubernetes refuses, each with its field path', () => {
    const svc = created(`
metadata: {name: bad, namespace: default}
spec:
  type: Fancy
  clusterIP: 10.96.0.300
  sessionAffinity: Sticky
  ports:
  - {port: 80, protocol: ICMP, targetPort: 0}
  - {port: 80, nodePort: 30080, targetPort: Not_A_Name}
  - {name: http, port: 70000}
  externalIPs: [nope]
`);
    assert.deepEqual(messages(strategy.validate(svc, ctx)), [
      'spec.type: Unsupported value: "Fancy": supported values: "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"',
      'spec.ports[0].name: Required value',
      'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.ports[1].name: Required value',
      'spec.ports[1].targetPort: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'Fancy'",
      'spec.ports[2].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[2].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"',
      'spec.externalIPs[0]: Invalid value: "nope": must be a valid IP address',
    ]);
  });

  it('needs ports unless headless or ExternalName; ExternalName needs a name and no IP', () => {
    assert.deepEqual(messages(strategy.validate(created('metadata: {name: a}\nspec: {}'), ctx)), [
      'spec.ports: Required value',
    ]);
    assert.deepEqual(
      messages(strategy.validate(created('metadata: {name: a}\nspec: {clusterIP: None}'), ctx)),
      [],
    );
    const ext = created('metadata: {name: a}\nspec: {type: ExternalName, clusterIP: 10.96.0.9}');
    assert.deepEqual(messages(strategy.validate(ext, ctx)), [
      'spec.clusterIPs: Forbidden: may not be set for ExternalName services',
      'spec.externalName: Required value',
    ]);
    const ok = created('metadata: {name: a}\nspec: {type: ExternalName, externalName: db.example.com.}');
    assert.deepEqual(messages(strategy.validate(ok, ctx)), []);
  });

  it('keeps the allocated IP and node ports when an update leaves them out, and refuses a new IP', () => {
    const old = created(`
metadata: {name: np, namespace: default}
spec:
  type: NodePort
  clusterIP: 10.96.0.10
  ports: [{port: 80, nodePort: 30080}]
`);
    const next = updated(
      fromYaml<Service>(
        'apiVersion: v1\nkind: Service\nmetadata: {name: np, namespace: default}\nspec: {type: NodePort, ports: [{port: 80}]}',
      ),
      old,
    );
    assert.equal(next.spec?.clusterIp, '10.96.0.10');
    assert.deepEqual(next.spec?.clusterIps, ['10.96.0.10']);
    assert.equal(next.spec?.ports[0]?.nodePort, 30080);
    assert.deepEqual(messages(strategy.validateUpdate(next, old, ctx)), []);

    const moved = updated(structuredClone(old), old);
    if (moved.spec) {
      moved.spec.clusterIp = '10.96.0.11';
      moved.spec.clusterIps = ['10.96.0.11'];
    }
    assert.deepEqual(messages(strategy.validateUpdate(moved, old, ctx)), [
      'spec.clusterIPs[0]: Invalid value: "10.96.0.11": may not change once set',
    ]);
  });

  it('a NodePort Service turned ClusterIP drops its node ports and external policy', () => {
    const old = created(`
metadata: {name: np, namespace: default}
spec:
  type: NodePort
  clusterIP: 10.96.0.10
  ports: [{port: 80, nodePort: 30080}]
`);
    const next = structuredClone(old);
    if (next.spec) next.spec.type = 'ClusterIP';
    updated(next, old);
    assert.equal(next.spec?.ports[0]?.nodePort, 0);
    assert.equal(next.spec?.externalTrafficPolicy, '');
    assert.deepEqual(messages(strategy.validateUpdate(next, old, ctx)), []);
  });

  it('status: load balancer ingress addresses are checked; the spec stays as stored', () => {
    const old = created('metadata: {name: lb}\nspec: {type: LoadBalancer, ports: [{port: 80}]}');
    const next = structuredClone(old);
    next.status = {
      loadBalancer: { ingress: [{ ip: 'x', hostname: '', ports: [], ipMode: 'Magic' }] },
      conditions: [],
    };
    if (next.spec) next.spec.type = 'ClusterIP';
    strategy.status?.prepareForUpdate(next, old, ctx);
    assert.equal(next.spec?.type, 'LoadBalancer');
    assert.deepEqual(messages(strategy.status?.validateUpdate(next, old, ctx) ?? []), [
      'status.loadBalancer.ingress[0].ip: Invalid value: "x": must be a valid IP address',
      'status.loadBalancer.ingress[0].ipMode: Unsupported value: "Magic": supported values: "VIP", "Proxy"',
    ]);
  });
});
