/**
 * `wheelhouse kubelet`: the node agent. Registers its Node, renews its Lease, runs the
 * pods bound to it (and static pods from --pod-manifest-path) through a container
 * runtime, reports their status, and serves its API (logs) to the apiserver. It acts as
 * `system:node:<name>` (group `system:nodes`): its client config must carry that
 * identity, so that the node authorizer and NodeRestriction apply to it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { loadClientConfig } from '../sdk/client-config.js';
import { runComponent } from '../sdk/component/index.js';
import { tlsMaterial } from '../sdk/credentials.js';
import { parseDurationMs } from '../sdk/duration.js';
import type { Lease } from '../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { apiObjectSource } from './api-objects.js';
import { startKubeletApiServer } from './api-server.js';
import { runStaticPods, SHUTDOWN_ORDER_ANNOTATION, shutdownOrderOf } from './config/static-pods.js';
import { fileLogSource } from './file-log-source.js';
import { createKubelet } from './kubelet.js';
import { hostCapacity } from './node/host.js';
import { runNodeLease } from './node/node-lease.js';
import { createNodeManager } from './node/node-manager.js';
import { parseLabels, parseTaints } from './node/node-status.js';
import { allocatableOf, parseReservation } from './node/reservations.js';
import { openRuntime } from './runtime-endpoint.js';
import { runSimulatedKubelet, wantsSimulation } from './simulated/simulated-kubelet.js';
import { createStatsProvider } from './stats/stats-provider.js';

const version = `v${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;

export async function runKubelet(argv: string[]): Promise<void> {
  // --simulate: many virtual nodes, no runtime (kubelet/simulated/).
  if (wantsSimulation(argv)) return runSimulatedKubelet(argv);
  const code = await runComponent(
    {
      name: 'kubelet',
      description:
        "Usage: wheelhouse kubelet [flags]\n\nRuns this node's pods: registers the Node, renews its Lease, runs the pods bound to it through a container runtime and reports their status.",
      securePort: 10248,
      // Nothing here reads managed fields; its informers hold objects without them.
      informers: { managedFields: false },
      flags: {
        'hostname-override': { type: 'string', help: "the Node's name (default: the host name)" },
        'node-ip': {
          type: 'string',
          default: '127.0.0.1',
          help: "the node's InternalIP, and the IP of its host-network pods",
        },
        'container-runtime-endpoint': {
          type: 'string',
          help: 'unix:///path/to/cri.sock for a CRI runtime (containerd); default: the embedded process runtime',
        },
        'pod-manifest-path': {
          type: 'string',
          help: 'directory of static pod manifests, run without the apiserver',
        },
        'root-dir': {
          type: 'string',
          default: '.wheelhouse/kubelet',
          help: "the kubelet's files: pods' volumes, logs, runtime state",
        },
        'max-pods': { type: 'string', default: '110', help: 'pods this node runs at most' },
        'register-with-taints': {
          type: 'string',
          default: '',
          help: 'taints of the Node when it registers: key=value:Effect,...',
        },
        'node-labels': {
          type: 'string',
          default: '',
          help: 'labels of the Node when it registers: key=value,...',
        },
        'kube-reserved': {
          type: 'string',
          default: '',
          help: 'resources kept for the node agents: cpu=100m,memory=256Mi,...',
        },
        'system-reserved': {
          type: 'string',
          default: '',
          help: 'resources kept for the system: cpu=100m,memory=256Mi,...',
        },
        'node-status-update-frequency': {
          type: 'string',
          default: '10s',
          help: 'how often the status is computed (and the lease renewed)',
        },
        'node-status-report-frequency': {
          type: 'string',
          default: '5m',
          help: 'how often an unchanged status is written',
        },
        'kubelet-port': {
          type: 'string',
          default: '10250',
          help: "port of the kubelet's API (logs, exec); 0 picks a free one",
        },
        'kubelet-address': { type: 'string', help: "address of the kubelet's API (default: --node-ip)" },
        'crash-loop-backoff-initial': {
          type: 'string',
          default: '10s',
          help: 'CrashLoopBackOff: the first wait (tests shorten it)',
        },
        'housekeeping-interval': {
          type: 'string',
          default: '10s',
          help: 'how often the CPU and memory of the node and its containers are sampled (the window of their CPU rates)',
        },
        'crash-loop-backoff-max': {
          type: 'string',
          default: '5m',
          help: 'CrashLoopBackOff: the longest wait',
        },
        'stop-pods-on-exit': {
          type: 'boolean',
          default: false,
          help: `on SIGTERM, stop and remove every pod before exiting, as a node shutdown: the API's pods first, then static pods by their ${SHUTDOWN_ORDER_ANNOTATION} annotation (wheelhouse up sets it on the kubelet that runs the control plane)`,
        },
        'shutdown-grace-period': {
          type: 'string',
          default: '10s',
          help: "with --stop-pods-on-exit: the longest any pod's grace period may be",
        },
      },
      async run({ flags, logger, clients, informers, events, signal, addReadyCheck }) {
        const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : '');
        const nodeName = (str('hostname-override') || hostname()).toLowerCase();
        const nodeIP = str('node-ip');
        const rootDir = resolve(str('root-dir'));
        const logRoot = join(rootDir, 'logs');
        mkdirSync(logRoot, { recursive: true });
        const certFile = str('tls-cert-file');
        const keyFile = str('tls-private-key-file');
        if (!certFile || !keyFile) {
          throw new Error(
            "the kubelet's API needs --tls-cert-file and --tls-private-key-file (its serving certificate)",
          );
        }
        const config = loadClientConfig(str('kubeconfig') ? { explicitPath: str('kubeconfig') } : {});
        const ca = tlsMaterial(config).ca;
        if (!ca)
          throw new Error(
            'the client config names no CA; the kubelet needs it to verify the apiserver at its API',
          );

        const runtime = await openRuntime(str('container-runtime-endpoint'), { rootDir, nodeIP });
        const runtimeVersion = await runtime.version({ version: 'v1' });
        const capacityOf = hostCapacity(rootDir);
        const capacity: Record<string, string> = {
          cpu: String(capacityOf.cpuCores),
          memory: `${Math.floor(capacityOf.memoryBytes / 1024)}Ki`,
          'ephemeral-storage': `${Math.floor(capacityOf.ephemeralStorageBytes / 1024)}Ki`,
          pods: str('max-pods'),
        };
        const allocatable = allocatableOf(
          capacity,
          parseReservation(str('kube-reserved'), 'kube-reserved'),
          parseReservation(str('system-reserved'), 'system-reserved'),
        );

        const kubelet = createKubelet({
          nodeName,
          nodeIP,
          runtime,
          runtimeName: runtimeVersion.runtimeName,
          clients,
          informers,
          events,
          logger,
          rootDir,
          logRoot,
          objects: apiObjectSource(clients),
          allocatable: () => allocatable,
          backoff: {
            initialMs: parseDurationMs(str('crash-loop-backoff-initial')),
            maxMs: parseDurationMs(str('crash-loop-backoff-max')),
          },
        });

        const stats = createStatsProvider({
          nodeName,
          runtime,
          periodMs: parseDurationMs(str('housekeeping-interval')),
          logger,
        });
        let leaseRenewedAt = 0;
        let registered = false;
        const api = await startKubeletApiServer({
          nodeName,
          tls: { cert: readFileSync(certFile), key: readFileSync(keyFile), ca },
          logs: fileLogSource({ root: logRoot }),
          exec: runtime,
          stats: () => stats.summary(),
          state: () => ({
            runtime: runtimeVersion.runtimeName,
            runningPods: kubelet.runningPods(),
            ready: registered && Date.now() - leaseRenewedAt < 40_000,
          }),
          logger,
          address: `${str('kubelet-address') || nodeIP}:${str('kubelet-port')}`,
        });
        process.stdout.write(`kubelet ${nodeName} API on ${nodeIP}:${api.port}\n`);

        const nodes = clients.kind<Node>('Node');
        const updateMs = parseDurationMs(str('node-status-update-frequency'));
        const nodeManager = createNodeManager({
          id: {
            name: nodeName,
            nodeIP,
            labels: parseLabels(str('node-labels')),
            taints: parseTaints(str('register-with-taints')),
          },
          nodes,
          runtime,
          rootDir,
          capacity,
          allocatable,
          kubeletVersion: version,
          kubeletPort: api.port,
          logger,
          events,
          updateFrequencyMs: updateMs,
          reportFrequencyMs: parseDurationMs(str('node-status-report-frequency')),
        });
        addReadyCheck('node', () => (registered ? undefined : 'the node is not registered yet'));
        const manifests = str('pod-manifest-path');
        let node: Node | undefined;
        // Static pods and the pod loop start at once: the apiserver may be one of those pods.
        const local = Promise.all([
          kubelet.run(signal),
          stats.run(signal),
          manifests
            ? runStaticPods(
                {
                  dir: resolve(manifests),
                  nodeName,
                  kubelet,
                  clients,
                  logger,
                  node: () =>
                    node ? { ...(node.metadata?.uid ? { uid: node.metadata.uid } : {}) } : undefined,
                },
                signal,
              )
            : Promise.resolve(),
        ]);
        try {
          // Retries until the apiserver answers (with backoff), or the kubelet stops.
          node = await nodeManager.register(signal);
          if (node) {
            registered = true;
            events.event(node, 'Normal', 'Starting', 'Starting kubelet.');
            process.stdout.write(`kubelet ${nodeName} registered\n`);
            const registeredNode = node;
            await Promise.all([
              nodeManager.run(signal),
              runNodeLease(
                {
                  nodeName,
                  leases: clients.kind<Lease>('Lease'),
                  logger,
                  renewIntervalMs: updateMs,
                  nodeUid: () => registeredNode.metadata?.uid,
                  onRenewed: (at) => {
                    leaseRenewedAt = at.getTime();
                  },
                },
                signal,
              ),
            ]);
          }
          await local;
        } finally {
          await local.catch(() => undefined);
          if (flags['stop-pods-on-exit'] === true) {
            await kubelet.stopAllPods({
              gracePeriodCapSeconds: Math.ceil(parseDurationMs(str('shutdown-grace-period')) / 1000),
              stopOrderOf: shutdownOrderOf,
            });
            process.stdout.write(`kubelet ${nodeName} stopped its pods\n`);
          }
          await api.stop();
          await runtime.close();
        }
      },
    },
    argv,
  );
  process.exit(code);
}
