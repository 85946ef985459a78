/**
 * A highly available control plane for tests, as real processes on loopback: the
 * store (one process on the embedded level driver, or several replicas on an etcd
 * cluster when `storeBackend` names one), several apiservers against it, and on
 * request schedulers and controller managers whose client configs list every
 * apiserver. The command lines are those `wheelhouse up` uses (cli/up/components.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiserverComponent,
  type ClusterLayout,
  controllerManagerComponent,
  LOOPBACK,
  nodeArgs,
  schedulerComponent,
  simulatedKubeletComponent,
  storeComponent,
} from '../../cli/up/components.js';
import { type ClientConfig, writeClientConfig } from '../../sdk/client-config.js';
import { type ClusterPki, ensureClusterPki } from '../../sdk/pki/index.js';
import { freePort } from '../free-port.js';
import { createProcessGroup, type TestProcess } from './processes.js';

const entry = new URL('../../bin/wheelhouse.js', import.meta.url).pathname;

export interface Replica {
  readonly name: string;
  /** `127.0.0.1:<port>`: the same across restarts. */
  readonly address: string;
  readonly process: TestProcess;
  /** Starts it again on the same port after it stopped. */
  restart(): Promise<void>;
}

export interface HaCluster {
  readonly dir: string;
  readonly pki: ClusterPki;
  readonly stores: Replica[];
  readonly apiservers: Replica[];
  /** The admin, with every apiserver as its server list. */
  readonly admin: ClientConfig;
  /** The admin talking to one apiserver only. */
  adminOf(apiserver: Replica): ClientConfig;
  /** Writes a client config listing every apiserver for one of the PKI's identities; returns its path. */
  writeConfig(name: string, identity: { certFile: string; keyFile: string }): string;
  startScheduler(extraArgs?: string[]): Promise<TestProcess>;
  startControllerManager(extraArgs?: string[]): Promise<TestProcess>;
  /** The simulated kubelet: `nodes` Ready nodes `sim-node-<i>` whose pods run at once. */
  startSimulatedKubelet(nodes: number): Promise<TestProcess>;
  stop(): Promise<void>;
}

export interface HaClusterOptions {
  readonly apiservers?: number;
  /** `etcd://…` for store replicas on an etcd cluster; the level driver (one replica) when unset. */
  readonly storeBackend?: string;
  /** Extra store flags (etcd's TLS files, …). */
  readonly storeArgs?: readonly string[];
  readonly stores?: number;
  readonly apiserverArgs?: readonly string[];
}

/** Short leader-election timings, so that a takeover is quick in tests (lease 4 s). */
export const FAST_LEADER_ELECTION = [
  '--leader-elect-lease-duration',
  '4s',
  '--leader-elect-renew-deadline',
  '3s',
  '--leader-elect-retry-period',
  '500ms',
];

export async function startHaCluster(opts: HaClusterOptions = {}): Promise<HaCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-ha-'));
  const pki = ensureClusterPki(dir, { nodes: ['node-1'] });
  const group = createProcessGroup();
  const base: ClusterLayout = {
    dataDir: dir,
    pki,
    host: LOOPBACK,
    storePort: 0,
    apiserverPort: 0,
    storeMetricsPort: 0,
  };
  const stores: Replica[] = [];
  const apiservers: Replica[] = [];
  let seq = 0;

  const replica = async (
    name: string,
    argvAt: (port: number) => string[],
    ready: RegExp | 'port-file',
  ): Promise<Replica> => {
    const port = await freePort();
    const portFile = join(dir, `${name}.port`);
    const start = () => {
      rmSync(portFile, { force: true });
      const argv = argvAt(port);
      return ready === 'port-file'
        ? group.start(name, [...argv, '--port-file', portFile], { ready: { file: portFile } })
        : group.start(name, argv, { ready });
    };
    const r = {
      name,
      address: `${LOOPBACK}:${port}`,
      process: await start(),
      async restart() {
        r.process = await start();
      },
    };
    return r;
  };

  try {
    const storeCount = opts.storeBackend ? (opts.stores ?? 2) : 1;
    for (let i = 0; i < storeCount; i++) {
      stores.push(
        await replica(
          `store-${i}`,
          (port) =>
            nodeArgs(storeComponent({ ...base, dataDir: join(dir, `store-${i}`), storePort: port }), entry, [
              ...(opts.storeBackend ? ['--backend', opts.storeBackend] : []),
              ...(opts.storeArgs ?? []),
            ]),
          'port-file',
        ),
      );
    }
    const storeServers = stores.map((s) => s.address).join(',');
    for (let i = 0; i < (opts.apiservers ?? 2); i++) {
      apiservers.push(
        await replica(
          `apiserver-${i}`,
          (port) => {
            const spec = apiserverComponent({ ...base, apiserverPort: port });
            const args = [...spec.args];
            args[args.indexOf('--store-servers') + 1] = storeServers;
            return nodeArgs({ ...spec, args }, entry, opts.apiserverArgs);
          },
          /apiserver listening on/,
        ),
      );
    }
  } catch (err) {
    await group.stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const credentials = { certificateAuthority: pki.caFile };
  const server = apiservers.map((a) => a.address).join(',');
  const admin: ClientConfig = {
    server,
    ...credentials,
    clientCertificate: pki.admin.certFile,
    clientKey: pki.admin.keyFile,
  };
  const writeConfig = (name: string, identity: { certFile: string; keyFile: string }) => {
    const path = join(dir, `${name}.yaml`);
    writeClientConfig(path, {
      server,
      ...credentials,
      clientCertificate: identity.certFile,
      clientKey: identity.keyFile,
    });
    return path;
  };
  const layout = { ...base, apiserverPort: Number(apiservers[0]?.address.split(':')[1]) };
  return {
    dir,
    pki,
    stores,
    apiservers,
    admin,
    adminOf: (a) => ({ ...admin, server: a.address }),
    writeConfig,
    async startScheduler(extraArgs = FAST_LEADER_ELECTION) {
      const n = seq++;
      const spec = schedulerComponent(layout, {
        kubeconfig: writeConfig(`scheduler-${n}`, pki.scheduler),
        schedulerPort: await freePort(),
      });
      return group.start(`scheduler-${n}`, nodeArgs(spec, entry, extraArgs), {
        ready: /health and metrics on (\S+)/,
      });
    },
    async startControllerManager(extraArgs = FAST_LEADER_ELECTION) {
      const n = seq++;
      const spec = controllerManagerComponent(layout, {
        kubeconfig: writeConfig(`controller-manager-${n}`, pki.controllerManager),
        controllerManagerPort: await freePort(),
      });
      return group.start(`controller-manager-${n}`, nodeArgs(spec, entry, extraArgs), {
        ready: /health and metrics on (\S+)/,
      });
    },
    async startSimulatedKubelet(nodes) {
      const spec = simulatedKubeletComponent(layout, {
        nodes,
        kubeconfig: writeConfig('kubelet-simulator', pki.kubeletSimulator),
        healthPort: await freePort(),
      });
      return group.start('kubelet-simulator', nodeArgs(spec, entry), { ready: /registered \d+ nodes/ });
    },
    async stop() {
      await group.stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
