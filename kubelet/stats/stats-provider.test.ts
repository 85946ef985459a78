import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import type { ContainerStats, ListContainersResponse } from '../../sdk/gen/runtime/v1/api.js';
import { ContainerState } from '../../sdk/gen/runtime/v1/api.js';
import { createLogger } from '../../sdk/logger.js';
import { containerNameLabel, podNameLabel, podNamespaceLabel, podUidLabel } from '../runtime/runtime.js';
import type { HostSample } from './host-stats.js';
import { createStatsProvider } from './stats-provider.js';

const second = 1_000_000_000n;

interface Reading {
  id: string;
  pod: string;
  container: string;
  atNs: bigint;
  cpu: bigint;
  workingSet: bigint;
}

function stats(r: Reading): ContainerStats {
  return {
    attributes: {
      id: r.id,
      metadata: { name: r.container, attempt: 0 },
      labels: {
        [podUidLabel]: `uid-${r.pod}`,
        [podNameLabel]: r.pod,
        [podNamespaceLabel]: 'default',
        [containerNameLabel]: r.container,
      },
      annotations: {},
    },
    cpu: {
      timestamp: String(r.atNs),
      usageCoreNanoSeconds: { value: String(r.cpu) },
      usageNanoCores: undefined,
    },
    memory: {
      timestamp: String(r.atNs),
      workingSetBytes: { value: String(r.workingSet) },
      usageBytes: { value: String(r.workingSet + 100n) },
      rssBytes: undefined,
      availableBytes: undefined,
      pageFaults: undefined,
      majorPageFaults: undefined,
    },
    writableLayer: undefined,
    swap: undefined,
  };
}

/** A runtime whose containers report what the test sets, and a host likewise. */
function scripted() {
  let readings: Reading[] = [];
  let host: HostSample = {
    cpuUsageCoreNanoSeconds: 0n,
    memoryWorkingSetBytes: 0n,
    memoryUsageBytes: 0n,
    memoryAvailableBytes: 0n,
  };
  let now = 0n;
  const provider = createStatsProvider({
    nodeName: 'node-a',
    logger: createLogger('test', { level: 'silent' }),
    nowNs: () => now,
    readHost: () => host,
    startTime: new Date(0),
    runtime: {
      listContainerStats: async () => ({ stats: readings.map(stats) }),
      listContainers: async (): Promise<ListContainersResponse> => ({
        containers: readings.map((r) => ({
          id: r.id,
          podSandboxId: `sandbox-${r.pod}`,
          metadata: { name: r.container, attempt: 0 },
          image: undefined,
          imageRef: '',
          state: ContainerState.CONTAINER_RUNNING,
          createdAt: String(5n * second),
          labels: {},
          annotations: {},
          imageId: '',
        })),
      }),
    },
  });
  return {
    provider,
    set(at: bigint, rs: Omit<Reading, 'atNs'>[], h: Partial<HostSample> = {}) {
      now = at;
      readings = rs.map((r) => ({ ...r, atNs: at }));
      host = { ...host, ...h };
    },
  };
}

test('a container shows after its second sample, with the rate between them; pods sum their containers', async () => {
  const { provider, set } = scripted();
  set(
    10n * second,
    [
      { id: 'c1', pod: 'web', container: 'app', cpu: 1n * second, workingSet: 1000n },
      { id: 'c2', pod: 'web', container: 'sidecar', cpu: 0n, workingSet: 500n },
    ],
    { cpuUsageCoreNanoSeconds: 100n * second, memoryWorkingSetBytes: 7n, memoryAvailableBytes: 9n },
  );
  await provider.sample();
  const first = provider.summary();
  assert.deepEqual(first.pods, [], 'one sample has no rate: no pod yet');
  assert.equal(first.node?.cpu?.usageNanoCores, undefined);
  assert.equal(first.node?.cpu?.usageCoreNanoSeconds, String(100n * second));
  assert.equal(first.node?.memory?.workingSetBytes, '7');

  // 10 s later: app used 5 s of CPU (half a core), the sidecar 1 s (0.1 core); the host 15 s.
  set(
    20n * second,
    [
      { id: 'c1', pod: 'web', container: 'app', cpu: 6n * second, workingSet: 2000n },
      { id: 'c2', pod: 'web', container: 'sidecar', cpu: 1n * second, workingSet: 500n },
    ],
    { cpuUsageCoreNanoSeconds: 115n * second },
  );
  await provider.sample();
  const { node, pods } = provider.summary();
  assert.equal(node?.nodeName, 'node-a');
  assert.equal(node?.cpu?.usageNanoCores, '1500000000');
  assert.deepEqual(node?.cpu?.window, { seconds: '10', nanos: 0 });
  assert.equal(pods.length, 1);
  const [web] = pods;
  assert.deepEqual(web?.podRef, { name: 'web', namespace: 'default', uid: 'uid-web' });
  assert.deepEqual(
    web?.containers.map((c) => [c.name, c.cpu?.usageNanoCores, c.memory?.workingSetBytes]),
    [
      ['app', '500000000', '2000'],
      ['sidecar', '100000000', '500'],
    ],
  );
  assert.equal(web?.cpu?.usageNanoCores, '600000000');
  assert.equal(web?.memory?.workingSetBytes, '2500');
  assert.equal(web?.cpu?.time?.getTime(), 20_000);
  assert.equal(web?.startTime?.getTime(), 5_000);
});

test('asking for the summary again does not sample: the rate stays that of the last interval', async () => {
  const { provider, set } = scripted();
  set(0n, [{ id: 'c1', pod: 'p', container: 'a', cpu: 0n, workingSet: 1n }]);
  await provider.sample();
  set(2n * second, [{ id: 'c1', pod: 'p', container: 'a', cpu: 2n * second, workingSet: 1n }]);
  await provider.sample();
  set(3n * second, [{ id: 'c1', pod: 'p', container: 'a', cpu: 2n * second, workingSet: 1n }]);
  for (let i = 0; i < 3; i++) assert.equal(provider.summary().pods[0]?.cpu?.usageNanoCores, '1000000000');
});

test('a restarted container (new id, counter from zero) starts over; gone containers leave', async () => {
  const { provider, set } = scripted();
  set(0n, [{ id: 'c1', pod: 'p', container: 'a', cpu: 9n * second, workingSet: 1n }]);
  await provider.sample();
  set(1n * second, [{ id: 'c1', pod: 'p', container: 'a', cpu: 10n * second, workingSet: 1n }]);
  await provider.sample();
  assert.equal(provider.summary().pods.length, 1);
  set(2n * second, [{ id: 'c2', pod: 'p', container: 'a', cpu: 1n, workingSet: 1n }]);
  await provider.sample();
  assert.deepEqual(provider.summary().pods, [], 'the new instance has one sample only');
  set(3n * second, []);
  await provider.sample();
  set(4n * second, [{ id: 'c2', pod: 'p', container: 'a', cpu: 1n, workingSet: 1n }]);
  await provider.sample();
  assert.deepEqual(provider.summary().pods, [], 'a container that vanished in between starts over');
});

test('a counter that goes back gives no rate for that interval, and the next one is right', async () => {
  const { provider, set } = scripted();
  set(0n, [{ id: 'c1', pod: 'p', container: 'a', cpu: 5n * second, workingSet: 1n }]);
  await provider.sample();
  set(1n * second, [{ id: 'c1', pod: 'p', container: 'a', cpu: 1n * second, workingSet: 1n }]);
  await provider.sample();
  assert.deepEqual(provider.summary().pods, []);
  set(2n * second, [{ id: 'c1', pod: 'p', container: 'a', cpu: 1n * second + second / 4n, workingSet: 1n }]);
  await provider.sample();
  assert.equal(provider.summary().pods[0]?.cpu?.usageNanoCores, '250000000');
});

test('run samples at once and every period until aborted', async () => {
  let calls = 0;
  const provider = createStatsProvider({
    nodeName: 'n',
    logger: createLogger('test', { level: 'silent' }),
    periodMs: 20,
    readHost: () => ({
      cpuUsageCoreNanoSeconds: BigInt(++calls) * second,
      memoryWorkingSetBytes: 1n,
      memoryUsageBytes: 1n,
      memoryAvailableBytes: 1n,
    }),
    runtime: {
      listContainerStats: async () => ({ stats: [] }),
      listContainers: async () => ({ containers: [] }),
    },
  });
  const controller = new AbortController();
  const done = provider.run(controller.signal);
  const deadline = Date.now() + 20_000;
  while (calls < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  controller.abort();
  await done;
  assert.ok(calls >= 3, `sampled ${calls} times`);
  assert.ok(provider.summary().node?.cpu?.usageNanoCores !== undefined, 'the node has a rate');
});

test('a container gone mid-sample is logged at debug without a stack; other failures warn', async () => {
  const failures = [
    new ApiError(Code.UNKNOWN, 'failed to get container ID 3f2a: container "3f2a": not found'),
    new ApiError(Code.UNAVAILABLE, 'connect ENOENT /run/containerd/containerd.sock'),
  ];
  const lines: { level: number; msg: string; err?: { code?: string; message?: string } }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const stopped = new AbortController();
  const provider = createStatsProvider({
    nodeName: 'node-a',
    logger: createLogger('test', { level: 'debug', destination }),
    readHost: () => ({
      cpuUsageCoreNanoSeconds: 0n,
      memoryWorkingSetBytes: 0n,
      memoryUsageBytes: 0n,
      memoryAvailableBytes: 0n,
    }),
    periodMs: 1,
    runtime: {
      listContainerStats: async () => {
        const err = failures.shift();
        if (failures.length === 0) stopped.abort();
        throw err;
      },
      listContainers: async () => ({ containers: [] }),
    },
  });
  await provider.run(stopped.signal);
  const [vanished, fault] = lines;
  assert.equal(lines.length, 2, JSON.stringify(lines));
  assert.equal(vanished?.level, 20, 'debug');
  assert.equal(vanished?.err, undefined, 'no stack for expected churn');
  assert.equal(fault?.level, 40, 'warn');
  assert.equal(fault?.err?.code, 'UNAVAILABLE');
  assert.match(fault?.err?.message ?? '', /ENOENT/);
});
