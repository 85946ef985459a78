import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { podPrinter, podRestarts, podStatus, summarizePod } from './pod.js';

const now = new Date('2026-01-01T01:00:00Z');
const created = '2026-01-01T00:00:00Z';

/** A pod of app containers a and b (and init containers as given). */
const pod = (status: unknown, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
  Pod.fromJSON({
    metadata: { name: 'web', creationTimestamp: created, ...metadata },
    spec: { containers: [{ name: 'a' }, { name: 'b' }], ...spec },
    status,
  });

const running = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  started: true,
  state: { running: { startedAt: created } },
  ...extra,
});

describe('pod STATUS', () => {
  it('is the reason, else the phase', () => {
    assert.equal(podStatus(pod({ phase: 'Running' })), 'Running');
    assert.equal(podStatus(pod({ phase: 'Failed', reason: 'Evicted' })), 'Evicted');
    assert.equal(
      podStatus(
        pod({
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
        }),
      ),
      'SchedulingGated',
    );
  });

  it('names what a waiting or terminated container says, the last container first-most', () => {
    const waiting = pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', state: { waiting: { reason: 'CrashLoopBackOff' } } },
        { name: 'b', state: { waiting: { reason: 'ImagePullBackOff' } } },
      ],
    });
    // kubectl walks the statuses from the last, so the first container's reason wins.
    assert.equal(podStatus(waiting), 'CrashLoopBackOff');
    const signalled = pod({
      phase: 'Running',
      containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137, signal: 9 } } }],
    });
    assert.equal(podStatus(signalled), 'Signal:9');
    const exited = pod({
      phase: 'Running',
      containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 3 } } }],
    });
    assert.equal(podStatus(exited), 'ExitCode:3');
  });

  it('says Running, NotReady or the error when one container completed and another did not', () => {
    const statuses = [
      running('a'),
      { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ];
    const ready = [{ type: 'Ready', status: 'True' }];
    assert.equal(
      podStatus(pod({ phase: 'Running', conditions: ready, containerStatuses: statuses })),
      'Running',
    );
    assert.equal(podStatus(pod({ phase: 'Running', containerStatuses: statuses })), 'NotReady');
    const failedFirst = [
      { name: 'a', state: { terminated: { exitCode: 1, reason: 'Error' } } },
      { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ];
    // The last container's Completed is read last of all; the error of another one shows instead.
    assert.equal(
      podStatus(pod({ phase: 'Running', containerStatuses: [...failedFirst].reverse() })),
      'Error',
    );
    assert.equal(
      podStatus(pod({ phase: 'Succeeded', containerStatuses: [failedFirst[1], failedFirst[1]] })),
      'Completed',
    );
  });

  it('shows init containers at work: progress, their waiting reason, their failure', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    const progress = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: { terminated: { exitCode: 0 } } },
          { name: 'i2', state: { running: {} } },
        ],
      },
      spec,
    );
    assert.equal(podStatus(progress), 'Init:1/2');
    const backoff = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      },
      spec,
    );
    assert.equal(podStatus(backoff), 'Init:CrashLoopBackOff');
    const initializing = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }],
      },
      spec,
    );
    assert.equal(podStatus(initializing), 'Init:0/2');
    const failed = pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 2 } } }] },
      spec,
    );
    assert.equal(podStatus(failed), 'Init:ExitCode:2');
    const killed = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 137, signal: 9 } } }],
      },
      spec,
    );
    assert.equal(podStatus(killed), 'Init:Signal:9');
    const oom = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
        ],
      },
      spec,
    );
    assert.equal(podStatus(oom), 'Init:OOMKilled');
  });

  it('counts a started sidecar as a container, ready or not, and moves past it', () => {
    const p = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [running('proxy')],
        containerStatuses: [running('a'), running('b', { ready: false })],
      },
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    );
    const s = summarizePod(p);
    assert.equal(`${s.ready}/${s.total}`, '2/3');
    assert.equal(s.status, 'Running');
  });

  it('is Terminating once deleted unless finished, and Unknown when its node was lost', () => {
    const deleted = { deletionTimestamp: '2026-01-01T00:59:00Z' };
    assert.equal(podStatus(pod({ phase: 'Running' }, {}, deleted)), 'Terminating');
    assert.equal(podStatus(pod({ phase: 'Running', reason: 'NodeLost' }, {}, deleted)), 'Unknown');
    assert.equal(podStatus(pod({ phase: 'Succeeded' }, {}, deleted)), 'Succeeded');
  });
});

describe('pod RESTARTS', () => {
  it('sums the app containers, and says how long ago the last one restarted', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [
        running('a', {
          restartCount: 2,
          lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:40:00Z' } },
        }),
        running('b', {
          restartCount: 3,
          lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:55:00Z' } },
        }),
      ],
    });
    assert.equal(podRestarts(p, now), '5 (5m ago)');
    assert.equal(
      podRestarts(pod({ phase: 'Running', containerStatuses: [running('a', { restartCount: 4 })] }), now),
      '4',
    );
    assert.equal(podRestarts(pod({ phase: 'Running', containerStatuses: [running('a')] }), now), '0');
  });

  it('counts the init containers while the pod initializes', () => {
    const p = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', restartCount: 6, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
        containerStatuses: [
          { name: 'a', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
        ],
      },
      { initContainers: [{ name: 'i1' }] },
    );
    assert.equal(podRestarts(p, now), '6');
  });
});

describe('pod columns', () => {
  it('are kubectl’s, the last four for -o wide only', () => {
    assert.deepEqual(
      podPrinter.columns.map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Status', 'string', 0],
        ['Restarts', 'string', 0],
        ['Age', 'string', 0],
        ['IP', 'string', 1],
        ['Node', 'string', 1],
        ['Nominated Node', 'string', 1],
        ['Readiness Gates', 'string', 1],
      ],
    );
    assert.equal(podPrinter.columns[0]?.format, 'name');
  });

  it('fill every cell, readiness gates counted from the conditions', () => {
    const p = pod(
      {
        phase: 'Running',
        podIPs: [{ ip: '10.0.0.9' }],
        nominatedNodeName: 'n2',
        conditions: [{ type: 'example.com/lb', status: 'True' }],
        containerStatuses: [running('a'), running('b')],
      },
      {
        nodeName: 'n1',
        readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }],
      },
    );
    assert.deepEqual(podPrinter.cells(p, now), [
      'web',
      '2/2',
      'Running',
      '0',
      '60m',
      '10.0.0.9',
      'n1',
      'n2',
      '1/2',
    ]);
    assert.deepEqual(podPrinter.cells(pod({ phase: 'Pending' }), now).slice(5), [
      '<none>',
      '<none>',
      '<none>',
      '<none>',
    ]);
    assert.deepEqual(
      podPrinter.conditions?.(pod({ phase: 'Succeeded' })).map((c) => [c.type, c.reason]),
      [['Completed', 'Succeeded']],
    );
  });
});
