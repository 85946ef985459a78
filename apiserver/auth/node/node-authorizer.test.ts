import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { RequestAttributes, UserInfo } from '../types.js';
import { NodeAuthorizer, nodeNameOf } from './node-authorizer.js';
import { NodeGraph } from './node-graph.js';

const kubelet = (node: string): UserInfo => ({
  name: `system:node:${node}`,
  uid: '',
  groups: ['system:nodes', 'system:authenticated'],
});

function pod(name: string, node: string, spec: Record<string, unknown> = {}): Pod {
  return {
    metadata: { namespace: 'default', name },
    spec: {
      nodeName: node,
      serviceAccountName: 'runner',
      volumes: [],
      initContainers: [],
      containers: [],
      imagePullSecrets: [],
      ...spec,
    },
  } as unknown as Pod;
}

function attrs(user: UserInfo, p: Partial<Omit<RequestAttributes, 'user'>>): RequestAttributes {
  return {
    user,
    verb: 'get',
    apiGroup: '',
    resource: 'pods',
    subresource: '',
    namespace: 'default',
    name: '',
    ...p,
  };
}

describe('node identity', () => {
  it('needs both the user name prefix and the system:nodes group', () => {
    assert.equal(nodeNameOf(kubelet('n1')), 'n1');
    assert.equal(nodeNameOf({ name: 'system:node:n1', uid: '', groups: [] }), undefined);
    assert.equal(nodeNameOf({ name: 'alice', uid: '', groups: ['system:nodes'] }), undefined);
    assert.equal(nodeNameOf(kubelet('')), undefined);
  });
});

describe('NodeAuthorizer', () => {
  const graph = new NodeGraph();
  graph.setPod(
    pod('web', 'node-1', {
      volumes: [
        { name: 'cfg', configMap: { name: 'web-config' } },
        { name: 'tls', secret: { secretName: 'web-tls' } },
        { name: 'proj', projected: { sources: [{ secret: { name: 'projected-secret' } }] } },
      ],
      containers: [
        {
          name: 'c',
          env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-password', key: 'p' } } }],
          envFrom: [{ configMapRef: { name: 'env-config' } }],
        },
      ],
    }),
  );
  graph.setPod(pod('db', 'node-2', { volumes: [{ name: 'tls', secret: { secretName: 'db-tls' } }] }));
  graph.setPod(pod('pending', ''));
  const authz = new NodeAuthorizer(graph);
  const n1 = kubelet('node-1');
  const can = (user: UserInfo, p: Partial<RequestAttributes>) => authz.authorize(attrs(user, p)).allowed;

  it('has no opinion about anyone but nodes', () => {
    assert.equal(can({ name: 'alice', uid: '', groups: [] }, { name: 'web' }), false);
  });

  it('lets a node read and write its own Node and status, not another node', () => {
    const node = { resource: 'nodes', namespace: '' };
    assert.equal(can(n1, { ...node, name: 'node-1' }), true);
    assert.equal(can(n1, { ...node, verb: 'update', name: 'node-1' }), true);
    assert.equal(can(n1, { ...node, verb: 'update', subresource: 'status', name: 'node-1' }), true);
    assert.equal(can(n1, { ...node, verb: 'create' }), true);
    assert.equal(can(n1, { ...node, verb: 'update', name: 'node-2' }), false);
    assert.equal(can(n1, { ...node, verb: 'update', subresource: 'status', name: 'node-2' }), false);
    assert.equal(can(n1, { ...node, verb: 'get', name: 'node-2' }), false);
    assert.equal(can(n1, { ...node, verb: 'delete', name: 'node-1' }), false);
  });

  it('lets a node read, update the status of and delete only the pods bound to it', () => {
    assert.equal(can(n1, { name: 'web' }), true);
    assert.equal(can(n1, { verb: 'update', subresource: 'status', name: 'web' }), true);
    assert.equal(can(n1, { verb: 'delete', name: 'web' }), true);
    assert.equal(can(n1, { verb: 'update', name: 'web' }), false, 'not the spec');
    assert.equal(can(n1, { name: 'db' }), false);
    assert.equal(can(n1, { verb: 'update', subresource: 'status', name: 'db' }), false);
    assert.equal(can(n1, { verb: 'delete', name: 'db' }), false);
    assert.equal(can(n1, { name: 'pending' }), false);
    assert.equal(can(n1, { verb: 'watch', namespace: '' }), true);
    assert.equal(can(n1, { verb: 'create', subresource: 'binding', name: 'pending' }), false);
  });

  it('lets a node get the secrets, configmaps and service accounts its pods reference, and nothing else', () => {
    for (const [resource, name] of [
      ['secrets', 'web-tls'],
      ['secrets', 'db-password'],
      ['secrets', 'projected-secret'],
      ['configmaps', 'web-config'],
      ['configmaps', 'env-config'],
      ['serviceaccounts', 'runner'],
    ] as const) {
      assert.equal(can(n1, { resource, name }), true, `${resource}/${name}`);
    }
    assert.equal(can(n1, { resource: 'secrets', name: 'db-tls' }), false, "another node's pod's secret");
    assert.equal(can(n1, { resource: 'secrets', name: 'web-tls', namespace: 'other' }), false);
    assert.equal(can(n1, { resource: 'secrets', verb: 'list' }), false);
    assert.equal(
      can(n1, { resource: 'serviceaccounts', subresource: 'token', verb: 'create', name: 'runner' }),
      true,
    );
  });

  it('forgets what a deleted pod referenced', () => {
    const g = new NodeGraph();
    const p = pod('x', 'node-1', { volumes: [{ name: 'v', secret: { secretName: 's' } }] });
    g.setPod(p);
    assert.equal(g.references('node-1', 'secrets', 'default', 's'), true);
    g.deletePod(p);
    assert.equal(g.references('node-1', 'secrets', 'default', 's'), false);
    assert.equal(g.nodeOf('default', 'x'), undefined);
  });

  it('lets a node manage only its own Lease in kube-node-lease, and record events', () => {
    const lease = { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease' };
    assert.equal(can(n1, { ...lease, verb: 'create' }), true);
    assert.equal(can(n1, { ...lease, verb: 'update', name: 'node-1' }), true);
    assert.equal(can(n1, { ...lease, verb: 'update', name: 'node-2' }), false);
    assert.equal(can(n1, { ...lease, verb: 'update', name: 'node-1', namespace: 'kube-system' }), false);
    assert.equal(can(n1, { resource: 'events', verb: 'create' }), true);
    assert.equal(can(n1, { resource: 'events', verb: 'delete', name: 'e' }), false);
  });
});
