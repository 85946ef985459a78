/**
 * `wheelhouse kubelet --simulate --nodes N`: N virtual nodes in one process, as kwok
 * does, for scale tests. Each registers its Node, renews its Lease and re-posts its
 * status; their pods go through the stages of pod-stages.ts with no container runtime,
 * no root dir and no kubelet API (the apiserver answers logs of their pods with an
 * error). It acts as `system:kubelet-simulator`, whose bootstrap ClusterRole lets it
 * write any Node, Lease and pod status: the node identity (`system:node:<name>`) would
 * confine it to a single node.
 */
import { readFileSync } from 'node:fs';
import { Counter, Gauge } from 'prom-client';
import { runComponent } from '../../sdk/component/index.js';
import { parseDurationMs } from '../../sdk/duration.js';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { parseQuantity } from '../../sdk/quantity.js';
import { parseLabels, parseTaints } from '../node/node-status.js';
import { createPodIPAllocator, MAX_SIMULATED_NODES, simulatedNodeIP, simulatedPodCidr } from './addresses.js';
import { createNodeHeartbeats } from './node-heartbeats.js';
import { createSimulatedPodController, type SimulatedNodeSlot } from './pod-controller.js';
import { simulatedNodeNames } from './simulated-node.js';

const version = `v${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;

/** Whether a kubelet command line asks for the simulated runtime. */
export function wantsSimulation(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--simulate' || a === '--simulate=true');
}

function positiveInteger(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`--${flag} "${text}" is not a whole number from 1 to ${max}`);
  }
  return n;
}

function quantity(flag: string, text: string): string {
  try {
    parseQuantity(text);
  } catch {
    throw new Error(`--${flag} "${text}" is not a quantity: write it as Kubernetes does (32, 500m, 256Gi)`);
  }
  return text;
}

export async function runSimulatedKubelet(argv: string[]): Promise<void> {
  const code = await runComponent(
    {
      name: 'kubelet-simulator',
      description:
        'Usage: wheelhouse kubelet --simulate --nodes N [flags]\n\nHosts N simulated nodes in one process (as kwok): registers their Nodes, renews their Leases, and moves the pods bound to them to Running and Ready (and to Succeeded or Failed, see the simulated.wheelhouse.dev/ annotations) without running anything. Acts as system:kubelet-simulator.',
      securePort: 10247,
      eventSource: 'kubelet',
      flags: {
        simulate: { type: 'boolean', default: false, help: 'run simulated nodes (this command)' },
        nodes: { type: 'string', default: '1', help: 'how many nodes to simulate' },
        'node-name-prefix': {
          type: 'string',
          default: 'sim-node',
          help: 'nodes are named <prefix>-0 … <prefix>-<N-1>',
        },
        'simulated-cpu': { type: 'string', default: '32', help: "each node's cpu capacity" },
        'simulated-memory': { type: 'string', default: '256Gi', help: "each node's memory capacity" },
        'simulated-pods': { type: 'string', default: '110', help: 'pods each node takes at most' },
        'simulated-startup-delay': {
          type: 'string',
          default: '0s',
          help: 'how long a pod takes from bound to Running and Ready',
        },
        'simulated-workers': { type: 'string', default: '32', help: 'pods worked on at once' },
        'node-labels': {
          type: 'string',
          default: '',
          help: 'labels of every node beyond the standard ones: key=value,...',
        },
        'register-with-taints': {
          type: 'string',
          default: '',
          help: 'taints of every node: key=value:Effect,...',
        },
        'node-status-update-frequency': {
          type: 'string',
          default: '10s',
          help: "how often each node's Lease is renewed",
        },
        'node-status-report-frequency': {
          type: 'string',
          default: '5m',
          help: "how often each node's status is re-posted",
        },
      },
      async run({ flags, logger, clients, registry, signal, addReadyCheck }) {
        const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : '');
        const count = positiveInteger('nodes', str('nodes'), MAX_SIMULATED_NODES);
        const names = simulatedNodeNames(str('node-name-prefix'), count);
        const nodeOptions = {
          cpu: quantity('simulated-cpu', str('simulated-cpu')),
          memory: quantity('simulated-memory', str('simulated-memory')),
          pods: String(positiveInteger('simulated-pods', str('simulated-pods'), 254)),
          labels: parseLabels(str('node-labels')),
          taints: parseTaints(str('register-with-taints')),
          kubeletVersion: version,
        };
        const slots = new Map<string, SimulatedNodeSlot>(
          names.map((name, i) => [
            name,
            { hostIP: simulatedNodeIP(i), podIPs: createPodIPAllocator(simulatedPodCidr(i)) },
          ]),
        );

        const leaseRenewals = new Counter({
          name: 'simulated_kubelet_lease_renewals_total',
          help: 'Node Lease renewals of all simulated nodes.',
          registers: [registry],
        });
        const statusWrites = new Counter({
          name: 'simulated_kubelet_node_status_writes_total',
          help: 'Node status writes of all simulated nodes.',
          registers: [registry],
        });
        let registered = 0;
        new Gauge({
          name: 'simulated_kubelet_nodes',
          help: 'Simulated nodes registered by this process.',
          registers: [registry],
          collect() {
            this.set(registered);
          },
        });

        const heartbeats = createNodeHeartbeats({
          names,
          node: nodeOptions,
          nodes: clients.kind<Node>('Node'),
          leases: clients.kind<Lease>('Lease'),
          logger,
          leaseIntervalMs: parseDurationMs(str('node-status-update-frequency')),
          statusReportMs: parseDurationMs(str('node-status-report-frequency')),
          onLeaseRenewed: () => leaseRenewals.inc(),
          onStatusWritten: () => statusWrites.inc(),
        });
        const pods = createSimulatedPodController({
          api: clients.api,
          pods: clients.kind<Pod>('Pod'),
          nodes: slots,
          startupDelayMs: parseDurationMs(str('simulated-startup-delay')),
          workers: positiveInteger('simulated-workers', str('simulated-workers'), 1024),
          logger,
          registry,
        });
        addReadyCheck('nodes', () =>
          registered === count ? undefined : `${registered} of ${count} nodes registered`,
        );
        addReadyCheck('pods', () => (pods.informer.hasSynced() ? undefined : 'pod cache not synced'));

        // Pods already bound (a restarted simulator) are taken up while the nodes register.
        const nodesLoop = async () => {
          const started = Date.now();
          const uids = await heartbeats.register(signal);
          if (signal.aborted) return;
          registered = uids.size;
          logger.info({ nodes: count, ms: Date.now() - started }, 'registered the simulated nodes');
          process.stdout.write(`kubelet-simulator registered ${count} nodes\n`);
          await heartbeats.run(uids, signal);
        };
        await Promise.all([nodesLoop(), pods.run(signal)]);
      },
    },
    argv,
  );
  process.exit(code);
}
