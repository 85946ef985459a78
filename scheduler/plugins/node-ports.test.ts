import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerPort } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CycleState } from '../framework/cycle-state.js';
import type { EnqueueExtensions, FilterPlugin, Handle, PreFilterPlugin } from '../framework/interface.js';
import { NodeInfo, newPodInfo } from '../framework/node-info.js';
import { ERR_REASON_NODE_PORTS, NODE_PORTS, nodePorts, podHostPorts } from './node-ports.js';

const plugin = nodePorts({}, {} as Handle) as PreFilterPlugin & FilterPlugin & EnqueueExtensions;
let uid = 0;
const pod = (ports: Partial<ContainerPort>[], nodeName = '') =>
  Pod.fromPartial({
    metadata: { name: `p${++uid}`, namespace: 'default', uid: `u${uid}` },
    spec: { nodeName, containers: [{ name: 'c', ports: ports.map((p) => ({ containerPort: 80, ...p })) }] },
  });
const nodeWith = (...pods: Pod[]) => {
  const info = new NodeInfo(Node.fromPartial({ metadata: { name: 'n1' } }));
  for (const p of pods) info.addPod(newPodInfo(p));
  return info;
};
/** PreFilter then Filter, as a cycle runs them. */
const run = (p: Pod, info: NodeInfo) => {
  const state = new CycleState();
  const pre = plugin.preFilter(state, p, [info]);
  if (pre.status.isSkip()) return pre.status;
  return plugin.filter(state, p, info);
};

test('a pod without host ports skips the plugin', () => {
  assert.equal(plugin.name, NODE_PORTS);
  assert.ok(plugin.preFilter(new CycleState(), pod([{ containerPort: 8080 }]), []).status.isSkip());
});

test('host ports: protocol, IP and the 0.0.0.0 wildcard', () => {
  const cases: [string, Partial<ContainerPort>[], Partial<ContainerPort>[], boolean][] = [
    ['same port, both on every address', [{ hostPort: 8080 }], [{ hostPort: 8080 }], false],
    ['another port', [{ hostPort: 8080 }], [{ hostPort: 8081 }], true],
    ['another protocol', [{ hostPort: 8080, protocol: 'UDP' }], [{ hostPort: 8080 }], true],
    ['TCP is the default protocol', [{ hostPort: 8080, protocol: 'TCP' }], [{ hostPort: 8080 }], false],
    [
      'different specific IPs',
      [{ hostPort: 8080, hostIp: '127.0.0.1' }],
      [{ hostPort: 8080, hostIp: '127.0.0.2' }],
      true,
    ],
    [
      'the same specific IP',
      [{ hostPort: 8080, hostIp: '127.0.0.1' }],
      [{ hostPort: 8080, hostIp: '127.0.0.1' }],
      false,
    ],
    [
      'wanted on every address, used on one',
      [{ hostPort: 8080, hostIp: '127.0.0.1' }],
      [{ hostPort: 8080 }],
      false,
    ],
    [
      'wanted on one, used on every address',
      [{ hostPort: 8080 }],
      [{ hostPort: 8080, hostIp: '127.0.0.1' }],
      false,
    ],
    [
      'explicit 0.0.0.0',
      [{ hostPort: 8080, hostIp: '0.0.0.0' }],
      [{ hostPort: 8080, hostIp: '10.0.0.1' }],
      false,
    ],
    [
      'SCTP on the same port and IP',
      [{ hostPort: 9, protocol: 'SCTP' }],
      [{ hostPort: 9, protocol: 'SCTP' }],
      false,
    ],
  ];
  for (const [what, used, wanted, fits] of cases) {
    const s = run(pod(wanted), nodeWith(pod(used, 'n1')));
    assert.equal(s.isSuccess(), fits, what);
    if (!fits) {
      assert.equal(s.code, 'Unschedulable', `${what}: preemption may free the port`);
      assert.deepEqual(s.reasons, [ERR_REASON_NODE_PORTS]);
    }
  }
  assert.ok(run(pod([{ hostPort: 8080 }]), nodeWith()).isSuccess(), 'an empty node');
  assert.ok(
    !run(pod([{ hostPort: 1 }, { hostPort: 8080 }]), nodeWith(pod([{ hostPort: 8080 }]))).isSuccess(),
    'any port of many',
  );
  assert.equal(
    plugin.filter(new CycleState(), pod([{ hostPort: 1 }]), new NodeInfo()).code,
    'Error',
    'no Node',
  );
});

test('Filter without PreFilter state computes the ports itself', () => {
  assert.ok(
    !plugin.filter(new CycleState(), pod([{ hostPort: 80 }]), nodeWith(pod([{ hostPort: 80 }]))).isSuccess(),
  );
});

test('sidecars (restartable init containers) hold host ports; ordinary init containers do not', () => {
  const p = Pod.fromPartial({
    spec: {
      initContainers: [
        { name: 'init', ports: [{ hostPort: 1, containerPort: 1 }] },
        {
          name: 'sidecar',
          restartPolicy: 'Always',
          ports: [{ hostPort: 2, containerPort: 2, protocol: 'UDP', hostIp: '10.0.0.1' }],
        },
      ],
      containers: [{ name: 'c', ports: [{ hostPort: 3, containerPort: 3 }, { containerPort: 4 }] }],
    },
  });
  assert.deepEqual(podHostPorts(p), [
    { protocol: 'UDP', port: 2, ip: '10.0.0.1' },
    { protocol: 'TCP', port: 3, ip: '0.0.0.0' },
  ]);
});

test('events: a deleted pod that held a wanted port, or a new node', () => {
  const events = plugin.eventsToRegister();
  const del = events.find((e) => e.event.resource === 'AssignedPod' && e.event.action === 'Delete');
  const want = pod([{ hostPort: 8080 }]);
  assert.equal(del?.hint?.(want, pod([{ hostPort: 8080 }], 'n1'), undefined), 'Queue');
  assert.equal(del?.hint?.(want, pod([{ hostPort: 9090 }], 'n1'), undefined), 'Skip', 'another port');
  assert.equal(del?.hint?.(want, pod([{ hostPort: 8080 }]), undefined), 'Skip', 'never bound');
  const add = events.find((e) => e.event.resource === 'Node' && e.event.action === 'Add');
  assert.ok(add !== undefined && add.hint === undefined, 'a new node always queues');
  assert.equal(events.length, 2, 'node updates free no port');
});
