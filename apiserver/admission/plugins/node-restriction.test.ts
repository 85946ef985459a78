import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ApiError, Code } from '../../../sdk/errors.js';
import type { Lease } from '../../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { fromYaml } from '../../kinds/testing.js';
import type { AdmissionAttributes } from '../types.js';
import { nodeRestriction } from './node-restriction.js';
import { adminCtx, attrsFor, nodeCtx } from './testing.js';

const plugin = nodeRestriction();
const asNode1 = { ctx: nodeCtx('node-1') };

async function refusal(attrs: AdmissionAttributes): Promise<string> {
  try {
    await plugin.validate?.(attrs);
  } catch (err) {
    assert.equal((err as ApiError).code, Code.PERMISSION_DENIED);
    return (err as ApiError).message;
  }
  return '';
}

const node = (name: string, extra = '') =>
  fromYaml<Node>(`
apiVersion: v1
kind: Node
metadata: {name: ${name}, labels: {kubernetes.io/hostname: ${name}${extra}}}
spec: {taints: [{key: dedicated, value: db, effect: NoSchedule}]}
`);

const pod = (nodeName: string, annotations = '{}', extra = '') =>
  fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default, annotations: ${annotations}}
spec:
  nodeName: ${nodeName}
  containers: [{name: a, image: nginx}]
${extra}`);

const mirror = '{kubernetes.io/config.mirror: abc}';

describe('NodeRestriction', () => {
  it('leaves other users alone', async () => {
    assert.equal(
      await refusal(attrsFor('UPDATE', node('node-2'), { oldObject: node('node-2'), ctx: adminCtx })),
      '',
    );
  });

  it('lets a node change only its own Node, not its taints nor restricted labels', async () => {
    assert.equal(await refusal(attrsFor('CREATE', node('node-1'), asNode1)), '');
    assert.match(
      await refusal(attrsFor('UPDATE', node('node-2'), { ...asNode1, oldObject: node('node-2') })),
      /node "node-1" is not allowed to modify node "node-2"/,
    );
    const untainted = node('node-1');
    untainted.spec!.taints = [];
    assert.match(
      await refusal(attrsFor('UPDATE', untainted, { ...asNode1, oldObject: node('node-1') })),
      /node "node-1" is not allowed to modify taints/,
    );
    assert.match(
      await refusal(
        attrsFor('UPDATE', node('node-1', ', node-restriction.kubernetes.io/db: "true"'), {
          ...asNode1,
          oldObject: node('node-1'),
        }),
      ),
      /not allowed to modify labels: node-restriction.kubernetes.io\/db/,
    );
    assert.match(
      await refusal(attrsFor('CREATE', node('node-1', ', node-role.kubernetes.io/master: ""'), asNode1)),
      /not allowed to set the following labels: node-role.kubernetes.io\/master/,
    );
    assert.equal(
      await refusal(
        attrsFor('UPDATE', node('node-1', ', topology.kubernetes.io/zone: a'), {
          ...asNode1,
          oldObject: node('node-1'),
        }),
      ),
      '',
    );
  });

  it('lets a node create only mirror pods bound to itself', async () => {
    assert.match(await refusal(attrsFor('CREATE', pod('node-1'), asNode1)), /can only create mirror pods/);
    assert.match(
      await refusal(attrsFor('CREATE', pod('node-2', mirror), asNode1)),
      /can only create pods with spec.nodeName set to itself/,
    );
    assert.match(
      await refusal(
        attrsFor('CREATE', pod('node-1', mirror, '  volumes: [{name: s, secret: {secretName: x}}]'), asNode1),
      ),
      /can not create pods that reference secrets/,
    );
    assert.equal(await refusal(attrsFor('CREATE', pod('node-1', mirror), asNode1)), '');
  });

  it('lets a node update the status and delete only pods bound to itself', async () => {
    const old = pod('node-1');
    const next = pod('node-1');
    next.status = { ...next.status!, phase: 'Running' };
    assert.equal(await refusal(attrsFor('UPDATE', next, { ...asNode1, oldObject: old })), '');
    assert.equal(await refusal(attrsFor('DELETE', undefined, { ...asNode1, oldObject: old })), '');
    const other = pod('node-2');
    const otherNext = pod('node-2');
    otherNext.status = { ...otherNext.status!, phase: 'Running' };
    assert.match(
      await refusal(attrsFor('UPDATE', otherNext, { ...asNode1, oldObject: other })),
      /can only update pod status for pods with spec.nodeName set to itself/,
    );
    assert.match(
      await refusal(attrsFor('DELETE', undefined, { ...asNode1, oldObject: other })),
      /can only delete pods with spec.nodeName set to itself/,
    );
    const relabelled = pod('node-1');
    relabelled.metadata!.labels = { evil: 'yes' };
    assert.match(
      await refusal(attrsFor('UPDATE', relabelled, { ...asNode1, oldObject: old })),
      /unexpected operation "UPDATE"/,
    );
  });

  it('lets a node touch only its own lease in kube-node-lease', async () => {
    const lease = (name: string, ns: string) =>
      fromYaml<Lease>(`
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: ${name}, namespace: ${ns}}
spec: {holderIdentity: ${name}}
`);
    assert.equal(await refusal(attrsFor('CREATE', lease('node-1', 'kube-node-lease'), asNode1)), '');
    assert.match(
      await refusal(attrsFor('CREATE', lease('node-2', 'kube-node-lease'), asNode1)),
      /can only access node lease with the same name as the requesting node/,
    );
    assert.match(
      await refusal(attrsFor('CREATE', lease('node-1', 'default'), asNode1)),
      /can only access leases in the kube-node-lease namespace/,
    );
  });
});
