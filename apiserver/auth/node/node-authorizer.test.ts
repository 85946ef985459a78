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
  const can = (user: UserInfo, p: Partial<RequestAttributes>) => {
    const decision = authz.authorize(attrs(user, p));
    assert.ok(!(decision instanceof Promise), 'without a pod lookup every decision is immediate');
    return decision.allowed;
  };

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

  it('lets every node read Services (for service links), and never write them', () => {
    for (const verb of ['get', 'list', 'watch']) {
      assert.equal(can(n1, { resource: 'services', verb, name: verb === 'get' ? 'web' : '' }), true, verb);
    }
    for (const verb of ['create', 'update', 'delete']) {
      assert.equal(can(n1, { resource: 'services', verb, name: 'web' }), false, verb);
    }
    assert.equal(
      can(n1, { resource: 'services', verb: 'update', subresource: 'status', name: 'web' }),
      false,
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

  it('keeps a pod written again as it was, and reads a pod recreated under its name afresh', () => {
    const g = new NodeGraph();
    const withUid = (p: Pod, uid: string) => ({ ...p, metadata: { ...p.metadata, uid } }) as Pod;
    const first = withUid(
      pod('x', 'node-1', { volumes: [{ name: 'v', secret: { secretName: 's' } }] }),
      'u1',
    );
    g.setPod(first);
    g.setPod(withUid(pod('x', 'node-1', { volumes: [{ name: 'v', secret: { secretName: 's' } }] }), 'u1'));
    assert.equal(g.references('node-1', 'secrets', 'default', 's'), true);
    g.deletePod(first);
    assert.equal(g.references('node-1', 'secrets', 'default', 's'), false, 'counted once');
    g.setPod(first);
    // The same name, a new pod: its own references, on its own node.
    g.setPod(withUid(pod('x', 'node-2', { volumes: [{ name: 'v', secret: { secretName: 't' } }] }), 'u2'));
    assert.equal(g.references('node-1', 'secrets', 'default', 's'), false);
    assert.equal(g.references('node-2', 'secrets', 'default', 't'), true);
    assert.equal(g.nodeOf('default', 'x'), 'node-2');
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

describe('NodeAuthorizer, when its graph lags the store', () => {
  // The graph knows only `known`; the store holds `stored`.
  const graph = new NodeGraph();
  graph.setPod(pod('known', 'node-1'));
  graph.setPod(pod('moved', 'node-2'));
  const stored = new Map<string, Pod>(
    [
      pod('known', 'node-1'),
      pod('fresh', 'node-1'),
      pod('moved', 'node-1'),
      pod('theirs', 'node-2'),
      pod('pending', ''),
    ].map((p) => [`default/${p.metadata?.name}`, p]),
  );
  const lookups: string[] = [];
  const authz = new NodeAuthorizer(graph, async (namespace, name) => {
    lookups.push(name);
    return stored.get(`${namespace}/${name}`);
  });
  const n1 = kubelet('node-1');
  const decide = async (p: Partial<RequestAttributes>) => (await authz.authorize(attrs(n1, p))).allowed;

  it('decides at once, without reading the store, for a pod the graph binds to the node', () => {
    lookups.length = 0;
    const decision = authz.authorize(attrs(n1, { verb: 'delete', name: 'known' }));
    assert.ok(!(decision instanceof Promise));
    assert.equal(decision.allowed, true);
    assert.deepEqual(lookups, []);
  });

  it('lets a node act on a pod bound to it that the graph has not seen bound yet', async () => {
    for (const name of ['fresh', 'moved']) {
      assert.equal(await decide({ verb: 'delete', name }), true, `delete ${name}`);
      assert.equal(await decide({ verb: 'get', name }), true, `get ${name}`);
      assert.equal(await decide({ verb: 'update', subresource: 'status', name }), true, `status ${name}`);
      assert.equal(await decide({ verb: 'patch', subresource: 'status', name }), true, `patch ${name}`);
    }
  });

  it("never lets a node act on another node's pod or an unbound one", async () => {
    for (const name of ['theirs', 'pending']) {
      assert.equal(await decide({ verb: 'delete', name }), false, `delete ${name}`);
      assert.equal(await decide({ verb: 'get', name }), false, `get ${name}`);
      assert.equal(await decide({ verb: 'update', subresource: 'status', name }), false, `status ${name}`);
    }
    const denied = await authz.authorize(attrs(n1, { verb: 'delete', name: 'theirs' }));
    assert.match(denied.reason, /no relationship found between node "node-1" and this pod/);
  });

  it('lets the request itself answer NOT_FOUND for a pod that is gone', async () => {
    assert.equal(await decide({ verb: 'delete', name: 'gone' }), true);
  });

  it('reads the store only for the verbs a node may use on one pod', async () => {
    lookups.length = 0;
    assert.equal(await decide({ verb: 'update', name: 'fresh' }), false, 'not the spec');
    assert.equal(await decide({ verb: 'create', subresource: 'binding', name: 'fresh' }), false);
    assert.equal(await decide({ verb: 'create', subresource: 'eviction', name: 'fresh' }), false);
    assert.deepEqual(lookups, []);
  });

  it('has no opinion when the store cannot answer', async () => {
    const failing = new NodeAuthorizer(new NodeGraph(), async () => {
      throw new Error('store unavailable');
    });
    const decision = await failing.authorize(attrs(n1, { verb: 'delete', name: 'fresh' }));
    assert.equal(decision.allowed, false);
  });
});
