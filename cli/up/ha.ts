/**
 * `wheelhouse up --ha`: a highly available control plane on this machine, for trying
 * out what runs on several machines in production. A 3-member etcd cluster (Debian's
 * etcd-server) runs as children of `up`; this node's kubelet runs, as static pods from
 * `<data-dir>/manifests/`, two store replicas on that etcd cluster, two apiservers (each
 * given both stores), and two schedulers and two controller managers (leader-elected,
 * each given both apiservers). Every client config lists both apiservers, so clients
 * fail over. Ports are chosen once and kept in `<data-dir>/ha-ports.json`: etcd's
 * members remember their peers' addresses, so a second start must reuse them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { delimiter, join } from 'node:path';
import { CONFIG_ENV } from '../../sdk/client-config.js';
import type { ClusterPki } from '../../sdk/pki/index.js';
import {
  apiserverComponent,
  type ClusterLayout,
  type ComponentSpec,
  controllerManagerComponent,
  LOOPBACK,
  schedulerComponent,
  storeComponent,
} from './components.js';
import type { StaticPodComponent } from './manifests.js';

/** Where `up --ha` looks for etcd: Debian's etcd-server, then the PATH. */
export const ETCD_CANDIDATES = ['/usr/bin/etcd', '/usr/local/bin/etcd'];

export const ETCD_MISSING = `wheelhouse up --ha runs a 3-member etcd cluster and needs etcd 3.4 or newer:
  on Debian or Ubuntu: sudo apt-get install etcd-server
  elsewhere: put an etcd binary (https://github.com/etcd-io/etcd/releases) on your PATH`;

/** The etcd binary to run, or undefined when there is none. */
export function findEtcd(path = process.env.PATH ?? ''): string | undefined {
  const onPath = path
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => join(d, 'etcd'));
  return [...ETCD_CANDIDATES, ...onPath].find((p) => existsSync(p));
}

export interface HaPorts {
  /** The apiservers' gRPC and Kubernetes REST ports (from --port and --rest-port). */
  readonly apiserverRest: readonly number[];
  readonly etcdClient: readonly number[];
  readonly etcdPeer: readonly number[];
  readonly store: readonly number[];
  readonly storeMetrics: readonly number[];
  readonly apiserver: readonly number[];
  readonly apiserverMetrics: readonly number[];
  readonly scheduler: readonly number[];
  readonly controllerManager: readonly number[];
}

/** The ports of an earlier start from `<data-dir>/ha-ports.json`, or new ones (the apiservers' fixed) written there. */
export async function haPorts(
  dataDir: string,
  apiserverPorts: readonly number[],
  restPorts: readonly number[],
  freePort: () => Promise<number>,
): Promise<HaPorts> {
  const file = join(dataDir, 'ha-ports.json');
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as HaPorts;
    return { ...kept, apiserver: apiserverPorts, apiserverRest: restPorts };
  }
  const some = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await freePort());
    return out;
  };
  const ports: HaPorts = {
    etcdClient: await some(3),
    etcdPeer: await some(3),
    store: await some(2),
    storeMetrics: await some(2),
    apiserver: apiserverPorts,
    apiserverRest: restPorts,
    apiserverMetrics: await some(2),
    scheduler: await some(2),
    controllerManager: await some(2),
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(ports, null, 2)}\n`, { mode: 0o600 });
  return ports;
}

/** The etcd URL the store replicas are given: every member, keys under /wheelhouse. */
export function etcdBackendUrl(ports: HaPorts): string {
  return `etcd://${ports.etcdClient.map((p) => `${LOOPBACK}:${p}`).join(',')}/wheelhouse`;
}

/**
 * Member `i` of the etcd cluster, on loopback, its data in `<data-dir>/etcd-<i>`.
 * Progress notifications every second: etcd 3.4 before 3.4.25 answers a progress request
 * too early, so the store waits for etcd's own notifications on a watch that replays
 * history (an apiserver's watch caches at start) — every 10 minutes by default.
 */
export function etcdMember(dataDir: string, ports: HaPorts, i: number): ComponentSpec & { command: string } {
  const peer = (j: number) => `http://${LOOPBACK}:${ports.etcdPeer[j]}`;
  const client = `http://${LOOPBACK}:${ports.etcdClient[i]}`;
  const dir = join(dataDir, `etcd-${i}`);
  return {
    name: `etcd-${i}`,
    command: findEtcd() ?? 'etcd',
    args: [
      `--name=etcd-${i}`,
      `--data-dir=${dir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer(i)}`,
      `--initial-advertise-peer-urls=${peer(i)}`,
      `--initial-cluster=${[0, 1, 2].map((j) => `etcd-${j}=${peer(j)}`).join(',')}`,
      // Ignored once the member has data: a restart rejoins the cluster it belongs to.
      '--initial-cluster-state=new',
      '--initial-cluster-token=wheelhouse',
      '--max-request-bytes=2097152',
      '--experimental-watch-progress-notify-interval=1s',
      '--log-level=warn',
      '--logger=zap',
    ],
  };
}

/** Both apiservers, as a client config's `server`. */
export function apiserverList(ports: HaPorts): string {
  return ports.apiserver.map((p) => `${LOOPBACK}:${p}`).join(',');
}

/**
 * The control plane's static pods: store-0/1 on etcd, apiserver-0/1 each with both stores,
 * and two schedulers and controller managers with client configs listing both apiservers
 * (`schedulerConfig`, `controllerManagerConfig`).
 */
export function haControlPlanePods(
  base: Omit<ClusterLayout, 'storePort' | 'apiserverPort' | 'storeMetricsPort'> & { pki: ClusterPki },
  ports: HaPorts,
  configs: { readonly scheduler: string; readonly controllerManager: string },
): StaticPodComponent[] {
  const stores = ports.store.map((p) => `${LOOPBACK}:${p}`).join(',');
  const pods: StaticPodComponent[] = [];
  ports.store.forEach((port, i) => {
    const spec = storeComponent({
      ...base,
      dataDir: join(base.dataDir, `store-${i}`),
      storePort: port,
      apiserverPort: 0,
      storeMetricsPort: ports.storeMetrics[i]!,
    });
    pods.push({
      component: {
        ...spec,
        name: `store-${i}`,
        args: [...spec.args, '--backend', etcdBackendUrl(ports)],
      },
      podName: `wheelhouse-store-${i}`,
      file: `wheelhouse-store-${i}.yaml`,
      liveness: { tcpPort: port },
      shutdownOrder: 4,
      cpuRequest: '100m',
    });
  });
  ports.apiserver.forEach((port, i) => {
    const spec = apiserverComponent({
      ...base,
      storePort: ports.store[0]!,
      apiserverPort: port,
      apiserverRestPort: ports.apiserverRest[i]!,
      storeMetricsPort: 0,
      apiserverMetricsPort: ports.apiserverMetrics[i]!,
      auditLogPath: join(base.dataDir, `audit-${i}.log`),
    });
    const args = [...spec.args];
    args[args.indexOf('--store-servers') + 1] = stores;
    pods.push({
      component: { ...spec, name: `apiserver-${i}`, args },
      podName: `wheelhouse-apiserver-${i}`,
      file: `kube-apiserver-${i}.yaml`,
      liveness: { tcpPort: port },
      shutdownOrder: 3,
      cpuRequest: '250m',
    });
  });
  const layout = { ...base, storePort: 0, apiserverPort: 0, storeMetricsPort: 0 };
  ports.controllerManager.forEach((port, i) => {
    const spec = controllerManagerComponent(layout, {
      kubeconfig: configs.controllerManager,
      controllerManagerPort: port,
      leaderElectRetryPeriod: '500ms',
    });
    pods.push({
      component: { ...spec, name: `controller-manager-${i}` },
      podName: `wheelhouse-controller-manager-${i}`,
      file: `kube-controller-manager-${i}.yaml`,
      liveness: { httpsHealthzPort: port },
      shutdownOrder: 2,
      cpuRequest: '200m',
    });
  });
  ports.scheduler.forEach((port, i) => {
    const spec = schedulerComponent(layout, {
      kubeconfig: configs.scheduler,
      schedulerPort: port,
      leaderElectRetryPeriod: '500ms',
    });
    pods.push({
      component: { ...spec, name: `scheduler-${i}` },
      podName: `wheelhouse-scheduler-${i}`,
      file: `kube-scheduler-${i}.yaml`,
      liveness: { httpsHealthzPort: port },
      shutdownOrder: 1,
      cpuRequest: '100m',
    });
  });
  return pods;
}

/** `GET url` over plain HTTP answers 200 (etcd's /health on loopback). */
export function httpHealthy(url: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve(false));
  });
}

/** What `up --ha` prints once every replica answers. */
export function haReadyMessage(
  readyLine: string,
  ports: HaPorts,
  adminPath: string,
  pidOf: (name: string) => number | undefined,
): string {
  return `
${readyLine}
${haReadyLines(ports, apiserverList(ports), pidOf)}
Every client config lists both apiservers (server: ${apiserverList(ports)}); a client whose
apiserver fails moves to the other. The schedulers and the controller managers elect a leader
through the Leases kube-system/kube-scheduler and kube-system/kube-controller-manager:
  npx whctl get leases -n kube-system
  npx whctl get pods -n kube-system

To use it:
  export ${CONFIG_ENV}=${adminPath}
  npx whctl get pods -A
  kill -9 <an apiserver's pid>; npx whctl get pods -A   # still answers

Press Ctrl-C to stop.
`;
}

/** One line per replica. */
export function haReadyLines(
  ports: HaPorts,
  server: string,
  pidOf: (name: string) => number | undefined,
): string {
  const line = (name: string, where: string) => {
    const pid = pidOf(name);
    return `  ${name.padEnd(22)}${where}${pid === undefined ? '' : `  (pid ${pid})`}\n`;
  };
  return [
    ...ports.etcdClient.map((p, i) => line(`etcd-${i}`, `http://${LOOPBACK}:${p}`)),
    ...ports.store.map((p, i) => line(`store-${i}`, `${LOOPBACK}:${p} on etcd`)),
    ...ports.apiserver.map((p, i) =>
      line(`apiserver-${i}`, `${LOOPBACK}:${p}, REST https://${LOOPBACK}:${ports.apiserverRest[i]}`),
    ),
    ...ports.controllerManager.map((p, i) =>
      line(`controller-manager-${i}`, `https://${LOOPBACK}:${p}/healthz`),
    ),
    ...ports.scheduler.map((p, i) => line(`scheduler-${i}`, `https://${LOOPBACK}:${p}/healthz`)),
    `  ${'clients'.padEnd(22)}server: ${server}\n`,
  ].join('');
}
