/**
 * `wheelhouse up` (`npm start`): the whole control plane on this machine, laid out as
 * kubeadm lays it out. It creates the PKI and the client configs in the data dir, writes the
 * store, apiserver, controller manager and scheduler as static pod manifests into
 * `<data-dir>/manifests/`, and starts this machine's kubelet, which runs them (and mirrors
 * them into `kube-system`) and restarts any that crashes. More kubelets (`--nodes`) and the
 * simulator (`--simulated-nodes`) are children of `up` as well, as each machine of a real
 * cluster has its own kubelet. It prints how to use the cluster once every component
 * answers; on Ctrl-C (or SIGTERM) it stops the kubelets, the control plane's last, which
 * stops its pods (scheduler, controller manager, apiserver, store) before it exits. If a
 * kubelet dies on its own, the rest are stopped and up fails.
 */
import { chmodSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ClientConfig, CONFIG_ENV, writeClientConfig } from '../sdk/client-config.js';
import { channelCredentials, channelOptions } from '../sdk/credentials.js';
import { type CertFiles, type ClusterPki, ensureClusterPki } from '../sdk/pki/index.js';
import { accepting } from './accepting.js';
import { checkHealth } from './health-check.js';
import { httpsHealthy } from './https-health.js';
import { type ComponentMatch, findComponentProcesses } from './up/component-processes.js';
import {
  apiserverComponent,
  type ClusterLayout,
  type ComponentSpec,
  controllerManagerComponent,
  type KubeletNode,
  kubeletComponent,
  LOOPBACK,
  nodeArgs,
  schedulerComponent,
  simulatedKubeletComponent,
  storeComponent,
} from './up/components.js';
import {
  apiserverList,
  ETCD_MISSING,
  etcdMember,
  findEtcd,
  type HaPorts,
  haControlPlanePods,
  haPorts,
  haReadyMessage,
  httpHealthy,
} from './up/ha.js';
import { createKeptPorts } from './up/kept-ports.js';
import { writeKubeconfig } from './up/kubeconfig.js';
import { CONTROL_PLANE_IMAGE, type StaticPodComponent, writeStaticPodManifests } from './up/manifests.js';
import { type ProcessSpec, Supervisor } from './up/supervisor.js';

const USAGE = `Usage: wheelhouse up [flags]

Runs a whole cluster on this machine, as kubeadm lays one out: this machine's kubelet runs
the store, the apiserver, the controller manager and the scheduler as static pods from
manifests in <data-dir>/manifests, with TLS certificates and an admin client config
generated in the data dir. Ctrl-C stops everything.

Flags:
  --data-dir DIR      where data, certificates, manifests and client configs live (default ./.wheelhouse)
  --port PORT         the apiserver's port (default 6443)
  --rest-port PORT    the apiserver's Kubernetes REST API port, for kubectl (default 6444)
  --store-port PORT   the store's port (default 2379)
                      For each of these three, 0 picks a free port; it is kept in
                      <data-dir>/ports.json and used again while it is free, and the
                      client configs and the kubeconfig name the port in use
  --node-name NAME    the name of this machine's node (default: the host name)
  --nodes N           N more nodes on this machine's process runtime, <node-name>-1 to
                      <node-name>-N, each a kubelet of its own (default 0)
  --simulated-nodes N N simulated nodes (sim-node-0, ...) in one kubelet --simulate
                      process: they run no containers, for seeing scheduling at scale
  --container-runtime-endpoint unix:///run/containerd/containerd.sock
                      run this machine's node on a CRI runtime (containerd); the control
                      plane then runs on a node of its own, <node-name>-control-plane, on
                      the process runtime, tainted NoSchedule
  --ha                a highly available plane: a 3-member etcd cluster (Debian's etcd-server),
                      2 store replicas on it, 2 apiservers (--port and --port + 2), 2 schedulers
                      and 2 controller managers; client configs list both apiservers
  -h, --help          this text
`;

/**
 * The name clients verify the servers' certificates against (both have it).
 * Connecting to 127.0.0.1 would otherwise send an IP address as the TLS server
 * name, which Node warns about on every connection.
 */
const TLS_SERVER_NAME = 'localhost';

const WHEELHOUSE_BIN = fileURLToPath(new URL('../bin/wheelhouse.js', import.meta.url));

/** How long the control plane has to answer after the kubelet started. */
const START_TIMEOUT_MS = 90_000;

/** The kubelet hosting the control plane stops its pods before it exits: it gets this long. */
const CONTROL_PLANE_KUBELET_STOP_GRACE_MS = 90_000;

/** The taint (and label) of the control plane's own node when user pods run elsewhere. */
const CONTROL_PLANE_ROLE = 'node-role.kubernetes.io/control-plane';

/** Environment the control plane's pods inherit from `up`, when set. */
const PASSED_ENV = ['WHEELHOUSE_LOG_LEVEL', 'WHEELHOUSE_FROM_SOURCE'];

/** The cluster up runs always serves the apiserver's metrics and writes an audit log. */
type UpLayout = ClusterLayout & {
  readonly apiserverMetricsPort: number;
  readonly auditLogPath: string;
  /** Health and metrics of the controller manager and the scheduler (HTTPS). */
  readonly controllerManagerPort: number;
  readonly schedulerPort: number;
  /** This machine's node: its kubelet's API and health ports. */
  readonly nodeName: string;
  readonly kubeletPort: number;
  readonly kubeletHealthPort: number;
  /** The static pod manifests. */
  readonly manifestsDir: string;
  /** With --ha: the ports of every replica (cli/up/ha.ts). */
  readonly ha?: HaPorts;
};

/** A kubelet `up` starts: its node and what it adds to the shared command line. */
interface UpKubelet extends KubeletNode {
  readonly kubeletPort: number;
  readonly healthPort: number;
  readonly extraArgs: readonly string[];
  /** Whether it runs the control plane's static pods. */
  readonly controlPlane: boolean;
}

export async function runUp(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'rest-port': { type: 'string' },
      'store-port': { type: 'string' },
      'node-name': { type: 'string' },
      nodes: { type: 'string' },
      'simulated-nodes': { type: 'string' },
      'container-runtime-endpoint': { type: 'string' },
      ha: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dataDir = resolve(values['data-dir'] ?? '.wheelhouse');
  // 0: a port up picks once the data dir is there (below).
  const apiserverFlag = port(values.port, 6443, '--port');
  const storeFlag = port(values['store-port'], 2379, '--store-port');
  if (apiserverFlag !== 0 && apiserverFlag === storeFlag)
    throw new Error('--port and --store-port must differ');
  const restFlag = port(values['rest-port'], 6444, '--rest-port');
  if (restFlag !== 0 && (restFlag === apiserverFlag || restFlag === storeFlag))
    throw new Error('--rest-port must differ from --port and --store-port');
  const criEndpoint = values['container-runtime-endpoint'];
  if (criEndpoint !== undefined && !criEndpoint.startsWith('unix://'))
    throw new Error(
      `--container-runtime-endpoint must be unix:///path/to/socket (got "${criEndpoint}"), e.g. unix:///run/containerd/containerd.sock`,
    );

  const extraNodes = count(values.nodes, '--nodes', 100);
  const simulatedNodes = count(values['simulated-nodes'], '--simulated-nodes', 5000);

  const etcd = values.ha ? findEtcd() : undefined;
  if (values.ha && etcd === undefined) throw new Error(ETCD_MISSING);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const nodeName = values['node-name'] ?? nodeNameOf(hostname());
  // On containerd the control plane needs a node of its own: it has no image there.
  const controlPlaneNode = criEndpoint ? `${nodeName}-control-plane` : nodeName;
  const moreNodes = Array.from({ length: extraNodes }, (_, i) => `${nodeName}-${i + 1}`);
  const pki = ensureClusterPki(dataDir, {
    nodes: [nodeName, ...(criEndpoint ? [controlPlaneNode] : []), ...moreNodes],
  });
  // Free ports for metrics and health, the same as last time when they still are (up/kept-ports.ts).
  const ports = createKeptPorts(dataDir, LOOPBACK);
  // The apiserver's ports: one per replica, --ha's second at the flag's port + 2.
  const replicas = values.ha ? 2 : 1;
  const fromFlag = (flag: number): number[] =>
    flag === 0 ? [] : Array.from({ length: replicas }, (_, i) => flag + 2 * i);
  ports.reserve([...fromFlag(apiserverFlag), ...fromFlag(restFlag), ...(storeFlag === 0 ? [] : [storeFlag])]);
  const replicaPorts = async (flag: number, role: string): Promise<[number, ...number[]]> => {
    const picked = fromFlag(flag);
    for (let i = picked.length; i < replicas; i++)
      picked.push(await ports.port(i === 0 ? role : `${role}-${i}`));
    const [first, ...rest] = picked;
    if (first === undefined) throw new Error(`no port for ${role}`);
    return [first, ...rest];
  };
  const apiserverPorts = await replicaPorts(apiserverFlag, 'apiserver');
  const restPorts = await replicaPorts(restFlag, 'apiserver-rest');
  const [apiserverPort] = apiserverPorts;
  const [apiserverRestPort] = restPorts;
  const storePort = storeFlag === 0 ? await ports.port('store') : storeFlag;
  const layout: UpLayout = {
    dataDir,
    pki,
    host: LOOPBACK,
    storePort,
    apiserverPort,
    apiserverRestPort,
    storeMetricsPort: await ports.port('store-metrics'),
    apiserverMetricsPort: await ports.port('apiserver-metrics'),
    auditLogPath: join(dataDir, 'audit.log'),
    controllerManagerPort: await ports.port('controller-manager'),
    schedulerPort: await ports.port('scheduler'),
    nodeName,
    kubeletPort: await ports.port(`kubelet-${controlPlaneNode}`),
    kubeletHealthPort: await ports.port(`kubelet-health-${controlPlaneNode}`),
    // Its own manifests: an HA plane must not also run the single store and apiserver.
    manifestsDir: join(dataDir, values.ha ? 'manifests-ha' : 'manifests'),
    ...(values.ha
      ? {
          ha: await haPorts(dataDir, apiserverPorts, restPorts, ports.free),
        }
      : {}),
  };
  const configs = writeClientConfigs(layout);
  const binDir = linkWheelhouseExecutable(dataDir);
  writeStaticPodManifests(layout.manifestsDir, podsOf(layout), {
    node: process.execPath,
    script: WHEELHOUSE_BIN,
    host: LOOPBACK,
    env: Object.fromEntries(PASSED_ENV.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
  });

  // The control plane's kubelet first; on containerd, this machine's node beside it; then more.
  const kubelets: UpKubelet[] = [
    {
      name: controlPlaneNode,
      kubeconfig: writeKubeletConfig(layout, controlPlaneNode),
      kubeletPort: layout.kubeletPort,
      healthPort: layout.kubeletHealthPort,
      podManifestPath: layout.manifestsDir,
      controlPlane: true,
      extraArgs: criEndpoint
        ? [
            '--register-with-taints',
            `${CONTROL_PLANE_ROLE}:NoSchedule`,
            '--node-labels',
            `${CONTROL_PLANE_ROLE}=`,
          ]
        : [],
    },
  ];
  if (criEndpoint) {
    kubelets.push({
      name: nodeName,
      kubeconfig: writeKubeletConfig(layout, nodeName),
      kubeletPort: await ports.port(`kubelet-${nodeName}`),
      healthPort: await ports.port(`kubelet-health-${nodeName}`),
      controlPlane: false,
      extraArgs: ['--container-runtime-endpoint', criEndpoint],
    });
  }
  for (const name of moreNodes) {
    kubelets.push({
      name,
      kubeconfig: writeKubeletConfig(layout, name),
      kubeletPort: await ports.port(`kubelet-${name}`),
      healthPort: await ports.port(`kubelet-health-${name}`),
      controlPlane: false,
      extraArgs: [],
    });
  }
  const simulator =
    simulatedNodes > 0
      ? {
          nodes: simulatedNodes,
          kubeconfig: writeComponentConfig(layout, 'kubelet-simulator.yaml', pki.kubeletSimulator),
          healthPort: await ports.port('kubelet-simulator-health'),
        }
      : undefined;
  ports.save();

  const write = (text: string) => process.stdout.write(text);
  const supervisor = new Supervisor(
    [
      ...(layout.ha ? ['etcd-0', 'etcd-1', 'etcd-2'] : []),
      ...kubelets.map((k) => `kubelet-${k.name}`),
      ...(simulator ? ['kubelet-simulator'] : []),
    ],
    { write },
  );
  // The control plane's processes are the kubelet's children, not up's: found by their command lines.
  const match: ComponentMatch = { node: process.execPath, script: WHEELHOUSE_BIN, dataDir };
  // By subcommand (`apiserver`), as findComponentProcesses names them: replicas share one.
  const controlPlaneNames = [...new Set(podsOf(layout).map((c) => c.component.args[0] ?? c.component.name))];
  const controlPlanePids = (): Map<string, number> => {
    const found = findComponentProcesses(match);
    return new Map(
      controlPlaneNames.flatMap((name) => {
        const pids = found.get(name) ?? [];
        const pid = pids[pids.length - 1];
        return pid === undefined ? [] : [[name, pid] as const];
      }),
    );
  };
  /** Kills what is left of the control plane (its kubelet could not stop it): nothing may outlive up. */
  const killLeftovers = (): number[] => {
    const found = findComponentProcesses(match);
    const killed = controlPlaneNames.flatMap((name) => found.get(name) ?? []);
    for (const pid of killed) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    return killed;
  };
  // Whatever happens to this process, its children must not outlive it.
  const killOnExit = () => {
    supervisor.killAll();
    killLeftovers();
  };
  process.on('exit', killOnExit);

  let stopping = false;
  let interrupted: (signal: NodeJS.Signals) => void = () => {};
  const interrupt = new Promise<NodeJS.Signals>((resolve) => {
    interrupted = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C while stopping: stop waiting.
    if (stopping) {
      killOnExit();
      process.exit(130);
    }
    interrupted(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const stopAll = async () => {
    stopping = true;
    await supervisor.stop();
    const killed = killLeftovers();
    if (killed.length > 0) write(`killed control-plane processes left behind: ${killed.join(', ')}\n`);
  };
  const waiting = new AbortController();
  try {
    const kubeletEnv = {
      ...process.env,
      // The process runtime finds the control plane's image (`wheelhouse`) and Node on the kubelet's PATH.
      PATH: [binDir, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    };
    const started = (async () => {
      // With --ha, etcd's members first, all at once: each is healthy only once a quorum is up.
      if (layout.ha && etcd) {
        const ports = layout.ha;
        await Promise.all(
          [0, 1, 2].map((i) => {
            const member = etcdMember(dataDir, ports, i);
            return supervisor.start({
              name: member.name,
              command: etcd,
              args: member.args,
              ready: () => httpHealthy(`http://${LOOPBACK}:${ports.etcdClient[i]}/health`),
            });
          }),
        );
      }
      // Every kubelet at once: the others retry the apiserver until the first one's static pods serve it.
      await Promise.all([
        ...kubelets.map((kubelet) =>
          supervisor.start({
            ...processSpec(
              kubeletComponent(layout, kubelet),
              componentHealth(pki.caFile, kubelet.healthPort),
              [...kubelet.extraArgs, '--stop-pods-on-exit'],
            ),
            env: kubeletEnv,
            ...(kubelet.controlPlane ? { stopGraceMs: CONTROL_PLANE_KUBELET_STOP_GRACE_MS } : {}),
          }),
        ),
        ...(simulator
          ? [
              supervisor.start(
                processSpec(
                  simulatedKubeletComponent(layout, simulator),
                  componentHealth(pki.caFile, simulator.healthPort),
                ),
              ),
            ]
          : []),
      ]);
      await waitUntilServing(
        {
          ...(layout.ha
            ? haHealthChecks(layout.ha, pki, configs.admin)
            : {
                store: storeHealth(pki, storePort),
                apiserver: apiserverHealth(configs.admin),
                'controller-manager': componentHealth(pki.caFile, layout.controllerManagerPort),
                scheduler: componentHealth(pki.caFile, layout.schedulerPort),
              }),
          // Ready: its node registered and its pods' cache synced.
          [`kubelet ${controlPlaneNode}`]: componentHealth(pki.caFile, layout.kubeletHealthPort, '/readyz'),
        },
        waiting.signal,
      );
    })();
    // When something else ends the wait first, the start in progress fails as the
    // supervisor stops; that failure is already reported.
    started.catch(() => {});
    const first = await Promise.race([
      started.then(() => ({ kind: 'ready' as const })),
      interrupt.then((signal) => ({ kind: 'signal' as const, signal })),
      // A kubelet already running may die while another starts.
      supervisor.failed.then((err) => Promise.reject(err)),
    ]);
    if (first.kind === 'ready') {
      const pids = controlPlanePids();
      const more = [
        ...kubelets
          .slice(1)
          .map(
            (k) =>
              `  kubelet             node ${k.name}${k.extraArgs.includes('--container-runtime-endpoint') ? ` on ${criEndpoint}` : ''}, https://${LOOPBACK}:${k.healthPort}/healthz  (pid ${supervisor.pidOf(`kubelet-${k.name}`)})`,
          ),
        ...(simulator
          ? [
              `  kubelet --simulate  ${simulator.nodes} simulated nodes sim-node-0..${simulator.nodes - 1}  (pid ${supervisor.pidOf('kubelet-simulator')})`,
            ]
          : []),
      ];
      if (layout.ha) {
        // The replicas of one component share a command name: only up's own children get a pid here.
        write(haReadyMessage(READY_LINE, layout.ha, configs.adminPath, (name) => supervisor.pidOf(name)));
      } else
        write(
          readyMessage(
            layout,
            controlPlaneNode,
            configs.adminPath,
            (name) => pids.get(name) ?? supervisor.pidOf(name),
            more,
          ),
        );
      const outcome = await Promise.race([
        interrupt.then((signal) => ({ kind: 'signal' as const, signal })),
        supervisor.failed.then((err) => ({ kind: 'failed' as const, err })),
      ]);
      if (outcome.kind === 'failed') throw outcome.err;
      write(`\n${outcome.signal} received; stopping (Ctrl-C again to kill)\n`);
    } else {
      write(`\n${first.signal} received while starting; stopping\n`);
    }
    waiting.abort();
    await stopAll();
    write('stopped\n');
  } catch (err) {
    waiting.abort();
    write(`${(err as Error).message}; stopping the other components\n`);
    await stopAll();
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killOnExit);
  }
}

/**
 * The control plane's static pods: what each runs, how the kubelet checks it, and the
 * order it stops in (the reverse of what depends on what). The store and the apiserver
 * serve only gRPC, so their liveness is a TCP connection to that port.
 */
function controlPlanePods(layout: UpLayout): StaticPodComponent[] {
  return [
    {
      component: storeComponent(layout),
      podName: 'wheelhouse-store',
      file: 'wheelhouse-store.yaml',
      liveness: { tcpPort: layout.storePort },
      shutdownOrder: 4,
      cpuRequest: '100m',
    },
    {
      component: apiserverComponent(layout),
      podName: 'wheelhouse-apiserver',
      file: 'kube-apiserver.yaml',
      liveness: { tcpPort: layout.apiserverPort },
      shutdownOrder: 3,
      cpuRequest: '250m',
    },
    {
      component: controllerManagerComponent(layout, {
        controllerManagerPort: layout.controllerManagerPort,
        leaderElectRetryPeriod: '500ms',
      }),
      podName: 'wheelhouse-controller-manager',
      file: 'kube-controller-manager.yaml',
      liveness: { httpsHealthzPort: layout.controllerManagerPort },
      shutdownOrder: 2,
      cpuRequest: '200m',
    },
    {
      component: schedulerComponent(layout, {
        schedulerPort: layout.schedulerPort,
        leaderElectRetryPeriod: '500ms',
      }),
      podName: 'wheelhouse-scheduler',
      file: 'kube-scheduler.yaml',
      liveness: { httpsHealthzPort: layout.schedulerPort },
      shutdownOrder: 1,
      cpuRequest: '100m',
    },
  ];
}

/** The static pods of this plane: the single one, or the replicas of --ha. */
function podsOf(layout: UpLayout): StaticPodComponent[] {
  if (!layout.ha) return controlPlanePods(layout);
  return haControlPlanePods(layout, layout.ha, {
    scheduler: join(layout.dataDir, 'scheduler.yaml'),
    controllerManager: join(layout.dataDir, 'controller-manager.yaml'),
  });
}

/** With --ha: every replica must answer. */
function haHealthChecks(
  ports: HaPorts,
  pki: ClusterPki,
  admin: ClientConfig & { path: string },
): Record<string, () => Promise<boolean>> {
  return Object.fromEntries([
    ...ports.store.map((p, i) => [`store-${i}`, storeHealth(pki, p)] as const),
    ...ports.apiserver.map(
      (p, i) => [`apiserver-${i}`, apiserverHealth({ ...admin, server: `${LOOPBACK}:${p}` })] as const,
    ),
    ...ports.controllerManager.map(
      (p, i) => [`controller-manager-${i}`, componentHealth(pki.caFile, p)] as const,
    ),
    ...ports.scheduler.map((p, i) => [`scheduler-${i}`, componentHealth(pki.caFile, p)] as const),
  ]);
}

/**
 * `<data-dir>/bin/wheelhouse`, a link to bin/wheelhouse.js: the control plane's image
 * (`wheelhouse`) is an executable on the kubelet's PATH for the process runtime, so the
 * node lists it among its images and pulls succeed. Returns the directory.
 */
function linkWheelhouseExecutable(dataDir: string): string {
  const dir = join(dataDir, 'bin');
  const link = join(dir, CONTROL_PLANE_IMAGE);
  mkdirSync(dir, { recursive: true });
  let current: string | undefined;
  try {
    current = readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== WHEELHOUSE_BIN) {
    rmSync(link, { force: true });
    symlinkSync(WHEELHOUSE_BIN, link);
  }
  try {
    chmodSync(WHEELHOUSE_BIN, 0o755);
  } catch {
    // A read-only checkout: it is executable already, or the image is reported missing.
  }
  return dir;
}

/** Polls every check until all pass; rejects naming those that do not within START_TIMEOUT_MS. */
async function waitUntilServing(
  checks: Record<string, () => Promise<boolean>>,
  signal: AbortSignal,
): Promise<void> {
  const pending = new Map(Object.entries(checks));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (pending.size > 0) {
    if (signal.aborted) throw new Error('stopped while waiting for the control plane');
    await Promise.all(
      [...pending].map(async ([name, check]) => {
        if (await check().catch(() => false)) pending.delete(name);
      }),
    );
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${[...pending.keys()].join(', ')} did not answer within ${START_TIMEOUT_MS / 1000}s; see the kubelet's output above, and \`whctl get pods -n kube-system\``,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A host name as a node name: lower case, and only what a DNS subdomain allows. */
function nodeNameOf(host: string): string {
  const name = host
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name === '' ? 'node-1' : name.slice(0, 253);
}

function count(value: string | undefined, flag: string, max: number): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > max) throw new Error(`${flag} must be a whole number from 0 to ${max}`);
  return n;
}

/** A port flag's value; 0 asks up to pick a free port. */
function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new Error(`${flag} must be a port number between 1 and 65535, or 0 for a free one`);
  }
  return n;
}

function processSpec(
  component: ComponentSpec,
  ready: () => Promise<boolean>,
  extraArgs: readonly string[] = [],
): ProcessSpec {
  return {
    name: component.name,
    command: process.execPath,
    args: nodeArgs(component, WHEELHOUSE_BIN, extraArgs),
    ready,
  };
}

/** The store accepts only the apiserver's certificate, so its health is checked with that one. */
function storeHealth(pki: ClusterPki, storePort: number): () => Promise<boolean> {
  const credentials = channelCredentials({
    server: `${LOOPBACK}:${storePort}`,
    certificateAuthority: pki.store.caFile,
    clientCertificate: pki.store.clientCertFile,
    clientKey: pki.store.clientKeyFile,
  });
  const options = channelOptions({ server: '', serverName: TLS_SERVER_NAME });
  return async () =>
    (await accepting(LOOPBACK, storePort)) &&
    (await checkHealth(`${LOOPBACK}:${storePort}`, credentials, { options })) === 'SERVING';
}

/** A component's /healthz, or `path` (its serving certificate names this host). */
function componentHealth(caFile: string, port: number, path = '/healthz'): () => Promise<boolean> {
  return async () =>
    (await accepting(LOOPBACK, port)) &&
    httpsHealthy(`https://${LOOPBACK}:${port}${path}`, caFile, { servername: TLS_SERVER_NAME });
}

function apiserverHealth(admin: ClientConfig & { path: string }): () => Promise<boolean> {
  const credentials = channelCredentials(resolvedPaths(admin));
  const options = channelOptions(admin);
  // One host:port (a list of replicas is checked by the health call alone).
  const single = /^([^,]+):(\d+)$/.exec(admin.server);
  const listening = single ? () => accepting(single[1] ?? '', Number(single[2])) : async () => true;
  return async () =>
    (await listening()) && (await checkHealth(admin.server, credentials, { options })) === 'SERVING';
}

/** The config with its paths made absolute, as loadClientConfig would give it. */
function resolvedPaths(config: ClientConfig & { path: string }): ClientConfig {
  const dir = resolve(config.path, '..');
  const abs = (p: string | undefined) => (p === undefined ? undefined : resolve(dir, p));
  return {
    ...config,
    certificateAuthority: abs(config.certificateAuthority),
    clientCertificate: abs(config.clientCertificate),
    clientKey: abs(config.clientKey),
  };
}

/**
 * `admin.yaml` (CN admin, O system:masters) and one config per component that
 * talks to the apiserver. Paths are relative to the data dir, so it can move.
 */
function writeClientConfigs(layout: UpLayout): {
  admin: ClientConfig & { path: string };
  adminPath: string;
  kubelet: string;
} {
  const admin = clientConfigFor(layout, layout.pki.admin);
  const adminPath = join(layout.dataDir, 'admin.yaml');
  writeClientConfig(adminPath, admin);
  writeComponentConfig(layout, 'scheduler.yaml', layout.pki.scheduler);
  writeComponentConfig(layout, 'controller-manager.yaml', layout.pki.controllerManager);
  const kubelet = writeKubeletConfig(layout, layout.nodeName);
  // kubectl and Kubernetes' client libraries, through the REST API.
  writeKubeconfig(join(layout.dataDir, 'kubeconfig'), {
    server: `https://${LOOPBACK}:${layout.apiserverRestPort}`,
    caFile: layout.pki.caFile,
    certFile: layout.pki.admin.certFile,
    keyFile: layout.pki.admin.keyFile,
  });
  return { admin: { ...admin, path: adminPath }, adminPath, kubelet };
}

/** A client config of the apiserver with `cert` as identity; paths relative to the data dir. */
function clientConfigFor(layout: UpLayout, cert: CertFiles): ClientConfig {
  return {
    server: layout.ha ? apiserverList(layout.ha) : `${LOOPBACK}:${layout.apiserverPort}`,
    serverName: TLS_SERVER_NAME,
    certificateAuthority: relative(layout.dataDir, layout.pki.caFile),
    clientCertificate: relative(layout.dataDir, cert.certFile),
    clientKey: relative(layout.dataDir, cert.keyFile),
  };
}

/** Writes `<data-dir>/<file>` for a component and returns its path. */
function writeComponentConfig(layout: UpLayout, file: string, cert: CertFiles): string {
  const path = join(layout.dataDir, file);
  writeClientConfig(path, clientConfigFor(layout, cert));
  return path;
}

/** `kubelet-<node>.yaml`, as `system:node:<node>`. */
function writeKubeletConfig(layout: UpLayout, node: string): string {
  const cert = layout.pki.kubelets[node]?.client;
  if (cert === undefined) throw new Error(`no kubelet certificate for node ${node}`);
  return writeComponentConfig(layout, `kubelet-${node}.yaml`, cert);
}

export const READY_LINE = 'Wheelhouse is up.';

function readyMessage(
  layout: UpLayout,
  controlPlaneNode: string,
  adminPath: string,
  pidOf: (name: string) => number | undefined,
  moreNodes: readonly string[] = [],
): string {
  const { pki } = layout;
  const extra = moreNodes.map((line) => `${line}\n`).join('');
  return `
${READY_LINE}
  apiserver           ${LOOPBACK}:${layout.apiserverPort}  (pid ${pidOf('apiserver')})
  rest api            https://${LOOPBACK}:${layout.apiserverRestPort}  (Kubernetes' REST API, for kubectl)
  store               ${LOOPBACK}:${layout.storePort}  (pid ${pidOf('store')})
  controller-manager  https://${LOOPBACK}:${layout.controllerManagerPort}/healthz  (pid ${pidOf('controller-manager')})
  scheduler           https://${LOOPBACK}:${layout.schedulerPort}/healthz  (pid ${pidOf('scheduler')})
  kubelet             node ${controlPlaneNode}, https://${LOOPBACK}:${layout.kubeletHealthPort}/healthz  (pid ${pidOf(`kubelet-${controlPlaneNode}`)})
${extra}  data                ${layout.dataDir}
  manifests           ${layout.manifestsDir}

The control plane runs as static pods of node ${controlPlaneNode}'s kubelet, from the manifests
above (edit one and the kubelet restarts that component); they are mirrored into kube-system:
  npx whctl get pods -n kube-system

To use it:
  export ${CONFIG_ENV}=${adminPath}
  npx whctl get pods -A
  npx whctl apply -f deploy.yaml
  npx whctl api-resources

kubectl (the Kubernetes REST API, https://${LOOPBACK}:${layout.apiserverRestPort}):
  export KUBECONFIG=${join(layout.dataDir, 'kubeconfig')}
  kubectl get pods -A

Metrics (HTTPS; a client certificate allowed to get /metrics: the admin's, or one in group
system:monitoring):
  curl --cacert ${pki.caFile} --cert ${pki.admin.certFile} --key ${pki.admin.keyFile} \\
    https://${LOOPBACK}:${layout.apiserverMetricsPort}/metrics
  curl --cacert ${pki.store.caFile} --cert ${pki.admin.certFile} --key ${pki.admin.keyFile} \\
    https://${LOOPBACK}:${layout.storeMetricsPort}/metrics

Press Ctrl-C to stop.
`;
}
