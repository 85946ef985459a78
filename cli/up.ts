/**
 * `wheelhouse up` (`npm start`): the whole control plane on this machine. It
 * creates the PKI and the client configs in the data dir, starts each component
 * as its own process once the one before it is healthy, prints how to use the
 * cluster, and on Ctrl-C (or SIGTERM) stops them in reverse order and exits 0.
 * If a component dies on its own, the rest are stopped and up fails.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ClientConfig, CONFIG_ENV, writeClientConfig } from '../sdk/client-config.js';
import { channelCredentials, channelOptions } from '../sdk/credentials.js';
import { type CertFiles, type ClusterPki, ensureClusterPki } from '../sdk/pki/index.js';
import { checkHealth } from './health-check.js';
import { httpsHealthy } from './https-health.js';
import {
  apiserverComponent,
  type ClusterLayout,
  type ComponentSpec,
  controllerManagerComponent,
  kubeletComponent,
  LOOPBACK,
  nodeArgs,
  schedulerComponent,
  simulatedKubeletComponent,
  storeComponent,
} from './up/components.js';
import { type ProcessSpec, Supervisor } from './up/supervisor.js';

const USAGE = `Usage: wheelhouse up [flags]

Starts the store, the apiserver, the controller manager and the scheduler on
this machine, each in its own process, with TLS certificates and an admin client
config generated in the data dir. Ctrl-C stops everything.

Flags:
  --data-dir DIR      where data, certificates and client configs live (default ./.wheelhouse)
  --port PORT         the apiserver's port (default 6443)
  --store-port PORT   the store's port (default 2379)
  --node-name NAME    the name of this machine's node (default: the host name)
  --nodes N           N more nodes on this machine's process runtime, <node-name>-1 to
                      <node-name>-N, each a kubelet of its own (default 0)
  --simulated-nodes N N simulated nodes (sim-node-0, ...) in one kubelet --simulate
                      process: they run no containers, for seeing scheduling at scale
  -h, --help          this text
`;

/**
 * The name clients verify the servers' certificates against (both have it).
 * Connecting to 127.0.0.1 would otherwise send an IP address as the TLS server
 * name, which Node warns about on every connection.
 */
const TLS_SERVER_NAME = 'localhost';

const WHEELHOUSE_BIN = fileURLToPath(new URL('../bin/wheelhouse.js', import.meta.url));

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
};

export async function runUp(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'store-port': { type: 'string' },
      'node-name': { type: 'string' },
      nodes: { type: 'string' },
      'simulated-nodes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dataDir = resolve(values['data-dir'] ?? '.wheelhouse');
  const apiserverPort = port(values.port, 6443, '--port');
  const storePort = port(values['store-port'], 2379, '--store-port');
  if (apiserverPort === storePort) throw new Error('--port and --store-port must differ');

  const extraNodes = count(values.nodes, '--nodes', 100);
  const simulatedNodes = count(values['simulated-nodes'], '--simulated-nodes', 5000);

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const nodeName = values['node-name'] ?? nodeNameOf(hostname());
  const moreNodes = Array.from({ length: extraNodes }, (_, i) => `${nodeName}-${i + 1}`);
  const pki = ensureClusterPki(dataDir, { nodes: [nodeName, ...moreNodes] });
  // Any free ports for metrics: fixed ones would keep two clusters from running side by side.
  const layout: UpLayout = {
    dataDir,
    pki,
    host: LOOPBACK,
    storePort,
    apiserverPort,
    storeMetricsPort: await freeLoopbackPort(),
    apiserverMetricsPort: await freeLoopbackPort(),
    auditLogPath: join(dataDir, 'audit.log'),
    controllerManagerPort: await freeLoopbackPort(),
    schedulerPort: await freeLoopbackPort(),
    nodeName,
    kubeletPort: await freeLoopbackPort(),
    kubeletHealthPort: await freeLoopbackPort(),
  };
  const configs = writeClientConfigs(layout);
  // More kubelets on this machine: each its own name, root dir, client config and ports.
  const kubelets = [
    {
      name: nodeName,
      kubeconfig: configs.kubelet,
      kubeletPort: layout.kubeletPort,
      healthPort: layout.kubeletHealthPort,
    },
  ];
  for (const name of moreNodes) {
    kubelets.push({
      name,
      kubeconfig: writeKubeletConfig(layout, name),
      kubeletPort: await freeLoopbackPort(),
      healthPort: await freeLoopbackPort(),
    });
  }
  const simulator =
    simulatedNodes > 0
      ? {
          nodes: simulatedNodes,
          kubeconfig: writeComponentConfig(layout, 'kubelet-simulator.yaml', pki.kubeletSimulator),
          healthPort: await freeLoopbackPort(),
        }
      : undefined;

  const write = (text: string) => process.stdout.write(text);
  const supervisor = new Supervisor(
    [
      'store',
      'apiserver',
      'controller-manager',
      'scheduler',
      ...kubelets.map((k) => `kubelet-${k.name}`),
      ...(simulator ? ['kubelet-simulator'] : []),
    ],
    {
      write,
    },
  );
  // Whatever happens to this process, its children must not outlive it.
  const killOnExit = () => supervisor.killAll();
  process.on('exit', killOnExit);

  let stopping = false;
  let interrupted: (signal: NodeJS.Signals) => void = () => {};
  const interrupt = new Promise<NodeJS.Signals>((resolve) => {
    interrupted = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C while stopping: stop waiting.
    if (stopping) {
      supervisor.killAll();
      process.exit(130);
    }
    interrupted(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const started = (async () => {
      await supervisor.start(processSpec(storeComponent(layout), storeHealth(pki, storePort)));
      await supervisor.start(processSpec(apiserverComponent(layout), apiserverHealth(configs.admin)));
      // Both only talk to the apiserver, so they start side by side.
      await Promise.all([
        supervisor.start(
          processSpec(
            controllerManagerComponent(layout, { controllerManagerPort: layout.controllerManagerPort }),
            componentHealth(pki.caFile, layout.controllerManagerPort),
          ),
        ),
        supervisor.start(
          processSpec(
            schedulerComponent(layout, { schedulerPort: layout.schedulerPort }),
            componentHealth(pki.caFile, layout.schedulerPort),
          ),
        ),
        ...kubelets.map((kubelet) =>
          supervisor.start(
            processSpec(kubeletComponent(layout, kubelet), componentHealth(pki.caFile, kubelet.healthPort)),
          ),
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
    })();
    // When something else ends the wait first, the start in progress fails as the
    // supervisor stops; that failure is already reported.
    started.catch(() => {});
    const first = await Promise.race([
      started.then(() => ({ kind: 'ready' as const })),
      interrupt.then((signal) => ({ kind: 'signal' as const, signal })),
      // A component already running may die while a later one starts.
      supervisor.failed.then((err) => Promise.reject(err)),
    ]);
    if (first.kind === 'ready') {
      const more = [
        ...kubelets
          .slice(1)
          .map(
            (k) =>
              `  kubelet             node ${k.name}, https://${LOOPBACK}:${k.healthPort}/healthz  (pid ${supervisor.pidOf(`kubelet-${k.name}`)})`,
          ),
        ...(simulator
          ? [
              `  kubelet --simulate  ${simulator.nodes} simulated nodes sim-node-0..${simulator.nodes - 1}  (pid ${supervisor.pidOf('kubelet-simulator')})`,
            ]
          : []),
      ];
      write(readyMessage(layout, configs.adminPath, (name) => supervisor.pidOf(name), more));
      const outcome = await Promise.race([
        interrupt.then((signal) => ({ kind: 'signal' as const, signal })),
        supervisor.failed.then((err) => ({ kind: 'failed' as const, err })),
      ]);
      if (outcome.kind === 'failed') throw outcome.err;
      write(`\n${outcome.signal} received; stopping (Ctrl-C again to kill)\n`);
    } else {
      write(`\n${first.signal} received while starting; stopping\n`);
    }
    stopping = true;
    await supervisor.stop();
    write('stopped\n');
  } catch (err) {
    stopping = true;
    write(`${(err as Error).message}; stopping the other components\n`);
    await supervisor.stop();
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killOnExit);
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

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(
      `${flag} must be a port number between 1 and 65535 (0 is not supported: clients need to know it)`,
    );
  }
  return n;
}

/** A port free on the loopback interface now (the component binds it a moment later). */
/** Ports handed out by this process: a port closed after the probe may be handed out again. */
const portsTaken = new Set<number>();

/** A loopback port nothing listens on now, and that this process has not handed out before. */
async function freeLoopbackPort(): Promise<number> {
  for (;;) {
    const server = createServer();
    server.listen(0, LOOPBACK);
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    if (portsTaken.has(port)) continue;
    portsTaken.add(port);
    return port;
  }
}

function processSpec(component: ComponentSpec, ready: () => Promise<boolean>): ProcessSpec {
  return {
    name: component.name,
    command: process.execPath,
    args: nodeArgs(component, WHEELHOUSE_BIN),
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
  return async () => (await checkHealth(`${LOOPBACK}:${storePort}`, credentials, { options })) === 'SERVING';
}

/** The scheduler's and the controller manager's /healthz (their certificate names this host). */
function componentHealth(caFile: string, port: number): () => Promise<boolean> {
  return () => httpsHealthy(`https://${LOOPBACK}:${port}/healthz`, caFile, { servername: TLS_SERVER_NAME });
}

function apiserverHealth(admin: ClientConfig & { path: string }): () => Promise<boolean> {
  const credentials = channelCredentials(resolvedPaths(admin));
  const options = channelOptions(admin);
  return async () => (await checkHealth(admin.server, credentials, { options })) === 'SERVING';
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
  return { admin: { ...admin, path: adminPath }, adminPath, kubelet };
}

/** A client config of the apiserver with `cert` as identity; paths relative to the data dir. */
function clientConfigFor(layout: UpLayout, cert: CertFiles): ClientConfig {
  return {
    server: `${LOOPBACK}:${layout.apiserverPort}`,
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
  adminPath: string,
  pidOf: (name: string) => number | undefined,
  moreNodes: readonly string[] = [],
): string {
  const { pki } = layout;
  const extra = moreNodes.map((line) => `${line}\n`).join('');
  return `
${READY_LINE}
  apiserver           ${LOOPBACK}:${layout.apiserverPort}  (pid ${pidOf('apiserver')})
  store               ${LOOPBACK}:${layout.storePort}  (pid ${pidOf('store')})
  controller-manager  https://${LOOPBACK}:${layout.controllerManagerPort}/healthz  (pid ${pidOf('controller-manager')})
  scheduler           https://${LOOPBACK}:${layout.schedulerPort}/healthz  (pid ${pidOf('scheduler')})
  kubelet             node ${layout.nodeName}, https://${LOOPBACK}:${layout.kubeletHealthPort}/healthz  (pid ${pidOf(`kubelet-${layout.nodeName}`)})
${extra}  data                ${layout.dataDir}

To use it:
  export ${CONFIG_ENV}=${adminPath}
  npx whctl get pods -A
  npx whctl apply -f deploy.yaml
  npx whctl api-resources

Metrics (HTTPS; a client certificate allowed to get /metrics: the admin's, or one in group
system:monitoring):
  curl --cacert ${pki.caFile} --cert ${pki.admin.certFile} --key ${pki.admin.keyFile} \\
    https://${LOOPBACK}:${layout.apiserverMetricsPort}/metrics
  curl --cacert ${pki.store.caFile} --cert ${pki.admin.certFile} --key ${pki.admin.keyFile} \\
    https://${LOOPBACK}:${layout.storeMetricsPort}/metrics

Press Ctrl-C to stop.
`;
}
