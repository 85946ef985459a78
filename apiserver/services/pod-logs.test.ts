/**
 * GetPodLogs end to end: a real store and apiserver (processes), and the kubelet API of
 * node-1 in this process, serving logs from files, reached through the Node object's
 * addresses and kubelet endpoint with the apiserver's kubelet client certificate.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClientReadableStream, ServerWritableStream } from '@grpc/grpc-js';
import { type KubeletApiServer, startKubeletApiServer } from '../../kubelet/api-server.js';
import type { ContainerLogSource } from '../../kubelet/container-logs.js';
import { fileLogSource } from '../../kubelet/file-log-source.js';
import { Code } from '../../sdk/errors.js';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { GetPodLogsRequest } from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { EventHandler } from '../../sdk/informers/types.js';
import { createLogger } from '../../sdk/logger.js';
import { ensureClusterPki } from '../../sdk/pki/index.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { freePort } from '../../test/free-port.js';
import { until } from '../../test/until.js';
import { createPodLogs, type PodLogs } from './pod-logs.js';

let cluster: Cluster;
let kubelet: KubeletApiServer;
let logRoot: string;
/** Streams the kubelet has open, and those ended by the caller going away. */
const kubeletStreams = { open: 0, aborted: 0 };

const line = (text: string, at = new Date()) => `${at.toISOString()} stdout F ${text}\n`;

before(async () => {
  cluster = await startCluster();
  logRoot = join(cluster.dir, 'node-1-pods');
  const files = fileLogSource({ root: logRoot, pollMs: 50 });
  const counted: ContainerLogSource = {
    async *stream(request, signal) {
      kubeletStreams.open += 1;
      try {
        yield* files.stream(request, signal);
      } finally {
        kubeletStreams.open -= 1;
        if (signal.aborted) kubeletStreams.aborted += 1;
      }
    },
  };
  const serving = cluster.pki.kubelets['node-1']!.serving;
  kubelet = await startKubeletApiServer({
    nodeName: 'node-1',
    tls: {
      cert: readFileSync(serving.certFile),
      key: readFileSync(serving.keyFile),
      ca: readFileSync(cluster.pki.caFile),
    },
    logs: counted,
    logger: createLogger('kubelet', { level: 'silent' }),
    address: '127.0.0.1:0',
  });
  await registerNode('node-1', kubelet.port);
});

after(async () => {
  await kubelet?.stop();
  await cluster?.stop();
});

async function registerNode(name: string, port: number): Promise<void> {
  const nodes = cluster.client('nodes');
  await call(nodes, 'createNode', {
    node: Node.fromPartial({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      status: {
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { port } },
      },
    }),
  });
}

/** A Pod bound to `node`, and its containers' log files (the pod's uid is in the folder name). */
async function runningPod(name: string, node: string, logs: Record<string, string>): Promise<string> {
  const pods = cluster.client('pods');
  const { pod } = await call<{ pod: Pod }>(pods, 'createPod', {
    pod: Pod.fromPartial({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        nodeName: node,
        containers: Object.keys(logs).map((c) => ({ name: c, image: 'busybox:1.36' })),
      },
    }),
  });
  const dir = join(logRoot, `default_${name}_${pod.metadata?.uid}`);
  for (const [container, text] of Object.entries(logs)) {
    mkdirSync(join(dir, container), { recursive: true });
    writeFileSync(join(dir, container, '0.log'), text);
  }
  return join(dir, Object.keys(logs)[0]!, '0.log');
}

type LogStream = ClientReadableStream<{ data: Buffer }>;

function openLogs(req: Partial<GetPodLogsRequest>): LogStream {
  const pods = cluster.client('pods') as unknown as { getPodLogs(r: GetPodLogsRequest): LogStream };
  return pods.getPodLogs(GetPodLogsRequest.fromPartial({ namespace: 'default', ...req }));
}

/** The whole log, or the error as `CODE: message`. */
function readLogs(req: Partial<GetPodLogsRequest>): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const s = openLogs(req);
    s.on('data', (m) => parts.push(m.data));
    s.on('error', (e: { code: number; details: string }) => resolve(`${Code[e.code]}: ${e.details}`));
    s.on('end', () => resolve(Buffer.concat(parts).toString()));
  });
}

describe('GetPodLogs through the apiserver from the kubelet', () => {
  test("returns the container's log; tailLines, limitBytes and timestamps pass through", async () => {
    await runningPod('logs-web', 'node-1', { web: ['one', 'two', 'three'].map((t) => line(t)).join('') });
    assert.equal(await readLogs({ name: 'logs-web' }), 'one\ntwo\nthree\n');
    assert.equal(await readLogs({ name: 'logs-web', container: 'web', tailLines: '2' }), 'two\nthree\n');
    assert.equal(await readLogs({ name: 'logs-web', limitBytes: '5' }), 'one\nt');
    assert.match(
      await readLogs({ name: 'logs-web', tailLines: '1', timestamps: true }),
      /^\d{4}-\S+Z three\n$/,
    );
  });

  test('follow streams appended lines; the caller cancelling ends the kubelet stream', async () => {
    const file = await runningPod('logs-follow', 'node-1', { app: line('started') });
    const stream = openLogs({ name: 'logs-follow', follow: true });
    let text = '';
    stream.on('data', (m) => {
      text += m.data.toString();
    });
    const ended = new Promise<string>((resolve) => {
      stream.on('error', (e: { code: number }) => resolve(Code[e.code] ?? String(e.code)));
      stream.on('end', () => resolve('OK'));
    });
    await until(() => text === 'started\n', 'the first line');
    assert.equal(kubeletStreams.open, 1);
    appendFileSync(file, line('request 1'));
    await until(() => text.endsWith('request 1\n'), 'an appended line');
    appendFileSync(file, line('request 2') + line('request 3'));
    await until(() => text.endsWith('request 3\n'), 'more appended lines');
    assert.equal(text, 'started\nrequest 1\nrequest 2\nrequest 3\n');
    const aborted = kubeletStreams.aborted;
    stream.cancel();
    assert.equal(await ended, 'CANCELLED');
    await until(() => kubeletStreams.open === 0, 'the kubelet stream to end');
    assert.equal(kubeletStreams.aborted, aborted + 1);
  });

  test('the container must be named when there are several, and must exist', async () => {
    await runningPod('logs-two', 'node-1', { web: line('from web'), sidecar: line('from sidecar') });
    assert.equal(await readLogs({ name: 'logs-two', container: 'sidecar' }), 'from sidecar\n');
    assert.match(
      await readLogs({ name: 'logs-two' }),
      /^INVALID_ARGUMENT: a container name must be specified for pod default\/logs-two, choose one of: \[web sidecar\]/,
    );
    assert.match(
      await readLogs({ name: 'logs-two', container: 'db' }),
      /^NOT_FOUND: container "db" is not in pod default\/logs-two: choose one of: \[web sidecar\]/,
    );
  });

  test('a pod of a node whose kubelet is unreachable or unregistered is UNAVAILABLE, naming node and address', async () => {
    const closedPort = await freePort();
    await registerNode('node-gone', closedPort);
    await runningPod('logs-gone', 'node-gone', { app: line('never read') });
    const gone = await readLogs({ name: 'logs-gone' });
    assert.match(
      gone,
      new RegExp(`^UNAVAILABLE: cannot reach the kubelet of node "node-gone" at 127.0.0.1:${closedPort}`),
    );
    await runningPod('logs-nowhere', 'node-9', { app: line('never read') });
    assert.match(
      await readLogs({ name: 'logs-nowhere' }),
      /^UNAVAILABLE: node "node-9" .* is not registered/,
    );
  });

  test('a kubelet whose serving certificate the cluster CA did not issue is not trusted', async () => {
    // An impostor on node-1's address with a certificate for 127.0.0.1 from another CA.
    const foreign = ensureClusterPki(join(cluster.dir, 'foreign'), { nodes: ['node-1'] });
    const impostor = await startKubeletApiServer({
      nodeName: 'node-1',
      tls: {
        cert: readFileSync(foreign.kubelets['node-1']!.serving.certFile),
        key: readFileSync(foreign.kubelets['node-1']!.serving.keyFile),
        ca: readFileSync(cluster.pki.caFile),
      },
      logs: {
        stream: () =>
          (async function* () {
            yield Buffer.from('secrets of the impostor\n');
          })(),
      },
      logger: createLogger('kubelet', { level: 'silent' }),
      address: '127.0.0.1:0',
    });
    try {
      await registerNode('node-impostor', impostor.port);
      await runningPod('logs-impostor', 'node-impostor', { app: line('x') });
      const result = await readLogs({ name: 'logs-impostor' });
      assert.match(
        result,
        /^UNAVAILABLE: cannot reach the kubelet of node "node-impostor" at 127.0.0.1:\d+: .*unable to verify/,
      );
    } finally {
      await impostor.stop();
    }
  });
});

/** A loopback port that nothing listens on. */

describe('kubelet connections', () => {
  /** A stand-in for the Node informer: the test tells its handlers of deletions. */
  function nodeInformer() {
    const handlers: EventHandler<Node>[] = [];
    return {
      addEventHandler: (h: EventHandler<Node>) => handlers.push(h),
      push(type: 'DELETED', object: Node) {
        for (const h of handlers) if (type === 'DELETED') h.onDelete?.(object);
      },
    };
  }

  function node(name: string, port: number): Node {
    return Node.fromPartial({
      metadata: { name },
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { port } },
      },
    });
  }

  async function readThrough(logs: PodLogs, pod: Pod): Promise<string> {
    const parts: Buffer[] = [];
    const sink = Object.assign(new EventEmitter(), {
      write: (m: { data: Buffer }) => parts.push(m.data) > 0,
    });
    await logs.source(
      pod,
      {},
      sink as unknown as ServerWritableStream<unknown, unknown>,
      new AbortController().signal,
    );
    return Buffer.concat(parts).toString();
  }

  test('one connection per node, closed when idle and when the node is deleted', async () => {
    await runningPod('logs-pool', 'node-1', { app: line('pooled') });
    const pods = cluster.client('pods');
    const { pod } = await call<{ pod: Pod }>(pods, 'getPod', { namespace: 'default', name: 'logs-pool' });
    const client = cluster.pki.apiserverKubeletClient;
    const events = nodeInformer();
    const nodes = new Map([['node-1', node('node-1', kubelet.port)]]);
    const logs = createPodLogs({
      tls: {
        cert: readFileSync(client.certFile),
        key: readFileSync(client.keyFile),
        ca: readFileSync(cluster.pki.caFile),
      },
      getNode: async (name) => nodes.get(name),
      nodes: events,
      idleMs: 150,
      logger: createLogger('apiserver', { level: 'silent' }),
    });
    try {
      assert.equal(await readThrough(logs, pod), 'pooled\n');
      assert.equal(await readThrough(logs, pod), 'pooled\n');
      assert.deepEqual(logs.connectedNodes(), ['node-1']);
      await until(() => logs.connectedNodes().length === 0, 'the idle connection to close');

      assert.equal(await readThrough(logs, pod), 'pooled\n');
      assert.deepEqual(logs.connectedNodes(), ['node-1']);
      events.push('DELETED', nodes.get('node-1')!);
      await until(() => logs.connectedNodes().length === 0, 'the deleted node to be forgotten');

      // A node that moved is dialled at its new address.
      nodes.set('node-1', node('node-1', 1));
      assert.match(
        await readThrough(logs, pod).catch(String),
        /cannot reach the kubelet of node "node-1" at 127.0.0.1:1:/,
      );
      nodes.set('node-1', node('node-1', kubelet.port));
      assert.equal(await readThrough(logs, pod), 'pooled\n');
    } finally {
      logs.close();
    }
    assert.deepEqual(logs.connectedNodes(), []);
  });
});
