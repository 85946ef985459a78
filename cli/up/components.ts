/**
 * The control plane's processes and the flags each gets: the one description that
 * `wheelhouse up` and the integration tests' cluster (test/cluster.ts) both start
 * from, and the one place to add a component as it is built (a function per
 * component). Each is `wheelhouse <name>` in its own process, talking real gRPC
 * over TLS to the others with the credentials of the cluster PKI, its files under
 * the data dir. What differs between the two callers is in the layout (fixed or
 * free ports, metrics, the audit log) or appended after these arguments.
 */
import { join } from 'node:path';
import { APISERVER_NODE_FLAGS } from '../../apiserver/node-flags.js';
import { SCHEDULER_NODE_FLAGS } from '../../scheduler/node-flags.js';
import type { ClusterPki } from '../../sdk/pki/index.js';

export const LOOPBACK = '127.0.0.1';

export interface ClusterLayout {
  readonly dataDir: string;
  /** From ensureClusterPki(dataDir). */
  readonly pki: ClusterPki;
  /** Where every component listens; port 0 picks a free one. */
  readonly host: string;
  readonly storePort: number;
  readonly apiserverPort: number;
  /** Where the store serves /metrics (HTTPS, client certificates; 0: a free port). */
  readonly storeMetricsPort: number;
  /** Where the apiserver serves /metrics; none when unset. */
  readonly apiserverMetricsPort?: number;
  /** Where the apiserver serves the Kubernetes REST API (kubectl); not served when unset. */
  readonly apiserverRestPort?: number;
  /** Where the apiserver writes audit records; none when unset. */
  readonly auditLogPath?: string;
}

export interface ComponentSpec {
  readonly name: string;
  /** The arguments after `wheelhouse`. */
  readonly args: readonly string[];
  /** Flags for Node itself, before the script. */
  readonly nodeFlags?: readonly string[];
}

/** The whole argv after `node`: the component's Node flags, the script, its arguments, then `extraArgs`. */
export function nodeArgs(
  component: ComponentSpec,
  script: string,
  extraArgs: readonly string[] = [],
): string[] {
  return [...(component.nodeFlags ?? []), script, ...component.args, ...extraArgs];
}

/**
 * The store: its data under `<dataDir>/store`, serving only the apiserver's client certificate.
 * Its metrics also take the cluster CA's certificates, so that the admin's (system:masters)
 * or a system:monitoring one reads both components' metrics.
 */
export function storeComponent(layout: ClusterLayout): ComponentSpec {
  const { pki, host } = layout;
  return {
    name: 'store',
    args: [
      'store',
      '--data-dir',
      join(layout.dataDir, 'store'),
      '--listen',
      `${host}:${layout.storePort}`,
      '--metrics-listen',
      `${host}:${layout.storeMetricsPort}`,
      '--metrics-client-ca',
      pki.store.caFile,
      '--metrics-client-ca',
      pki.caFile,
      '--tls-cert',
      pki.store.serverCertFile,
      '--tls-key',
      pki.store.serverKeyFile,
      '--tls-ca',
      pki.store.caFile,
    ],
  };
}

/**
 * The apiserver: the store's client, serving the API with the cluster CA's certificates,
 * the kubelets' client, and the signer of service account tokens.
 */
export function apiserverComponent(layout: ClusterLayout): ComponentSpec {
  const { pki, host } = layout;
  return {
    name: 'apiserver',
    nodeFlags: APISERVER_NODE_FLAGS,
    args: [
      'apiserver',
      '--store-servers',
      `${host}:${layout.storePort}`,
      '--store-cafile',
      pki.store.caFile,
      '--store-certfile',
      pki.store.clientCertFile,
      '--store-keyfile',
      pki.store.clientKeyFile,
      '--bind-address',
      host,
      '--secure-port',
      String(layout.apiserverPort),
      '--tls-cert-file',
      pki.apiserver.certFile,
      '--tls-private-key-file',
      pki.apiserver.keyFile,
      '--client-ca-file',
      pki.caFile,
      '--kubelet-client-certificate',
      pki.apiserverKubeletClient.certFile,
      '--kubelet-client-key',
      pki.apiserverKubeletClient.keyFile,
      '--kubelet-certificate-authority',
      pki.caFile,
      '--service-account-signing-key-file',
      pki.serviceAccount.privateKeyFile,
      '--service-account-key-file',
      pki.serviceAccount.publicKeyFile,
      ...(layout.apiserverRestPort === undefined
        ? []
        : ['--rest-secure-port', String(layout.apiserverRestPort)]),
      ...(layout.auditLogPath === undefined ? [] : ['--audit-log-path', layout.auditLogPath]),
      ...(layout.apiserverMetricsPort === undefined
        ? []
        : ['--metrics-bind-address', `${host}:${layout.apiserverMetricsPort}`]),
    ],
  };
}

/**
 * The controller manager: as system:kube-controller-manager (`<dataDir>/controller-manager.yaml`,
 * written from the PKI), each controller as its own ServiceAccount (as kubeadm starts it),
 * leader election on by default, health and metrics served with the apiserver's serving
 * certificate (it names this host) on `controllerManagerPort` (default 10257).
 */
export function controllerManagerComponent(
  layout: ClusterLayout,
  opts: {
    readonly kubeconfig?: string;
    readonly controllerManagerPort?: number;
    /** --leader-elect-retry-period: how soon a candidate tries again (the first try fails while the apiserver starts). */
    readonly leaderElectRetryPeriod?: string;
  } = {},
): ComponentSpec {
  const { pki, host } = layout;
  return {
    name: 'controller-manager',
    args: [
      'controller-manager',
      '--kubeconfig',
      opts.kubeconfig ?? join(layout.dataDir, 'controller-manager.yaml'),
      '--bind-address',
      host,
      '--secure-port',
      String(opts.controllerManagerPort ?? 10257),
      '--tls-cert-file',
      pki.apiserver.certFile,
      '--tls-private-key-file',
      pki.apiserver.keyFile,
      '--client-ca-file',
      pki.caFile,
      '--use-service-account-credentials',
      ...(opts.leaderElectRetryPeriod === undefined
        ? []
        : ['--leader-elect-retry-period', opts.leaderElectRetryPeriod]),
    ],
  };
}

/**
 * The scheduler: as system:kube-scheduler (`<dataDir>/scheduler.yaml`, written from the PKI),
 * leader election on the Lease kube-system/kube-scheduler by default, health and metrics
 * served with the apiserver's serving certificate on `schedulerPort` (default 10259), and
 * `config` as its KubeSchedulerConfiguration when given.
 */
export function schedulerComponent(
  layout: ClusterLayout,
  opts: {
    readonly kubeconfig?: string;
    readonly schedulerPort?: number;
    readonly config?: string;
    /** --leader-elect-retry-period (see controllerManagerComponent). */
    readonly leaderElectRetryPeriod?: string;
  } = {},
): ComponentSpec {
  const { pki, host } = layout;
  return {
    name: 'scheduler',
    nodeFlags: SCHEDULER_NODE_FLAGS,
    args: [
      'scheduler',
      '--kubeconfig',
      opts.kubeconfig ?? join(layout.dataDir, 'scheduler.yaml'),
      '--bind-address',
      host,
      '--secure-port',
      String(opts.schedulerPort ?? 10259),
      '--tls-cert-file',
      pki.apiserver.certFile,
      '--tls-private-key-file',
      pki.apiserver.keyFile,
      '--client-ca-file',
      pki.caFile,
      ...(opts.config === undefined ? [] : ['--config', opts.config]),
      ...(opts.leaderElectRetryPeriod === undefined
        ? []
        : ['--leader-elect-retry-period', opts.leaderElectRetryPeriod]),
    ],
  };
}

/** One node's kubelet: where its files go and where it listens. */
export interface KubeletNode {
  readonly name: string;
  /** Its client config (system:node:<name>), written by the caller from `pki.kubelets[name].client`. */
  readonly kubeconfig: string;
  /** Default `<dataDir>/kubelet-<name>`. */
  readonly rootDir?: string;
  /** Port of its API (logs, exec); 0 picks a free one. Default 10250. */
  readonly kubeletPort?: number;
  /** Port of its health and metrics endpoint; 0: none. Default 10248. */
  readonly healthPort?: number;
  /** Static pod manifests (kubeadm's `<dataDir>/manifests`); none when unset. */
  readonly podManifestPath?: string;
}

/**
 * A kubelet on the embedded process runtime, acting as `system:node:<name>` and serving
 * its API with the node's serving certificate from the cluster PKI.
 */
export function kubeletComponent(layout: ClusterLayout, node: KubeletNode): ComponentSpec {
  const serving = layout.pki.kubelets[node.name]?.serving;
  if (!serving) {
    throw new Error(
      `the cluster PKI has no certificates for node "${node.name}": add it to ensureClusterPki's nodes`,
    );
  }
  return {
    name: `kubelet-${node.name}`,
    args: [
      'kubelet',
      '--kubeconfig',
      node.kubeconfig,
      '--hostname-override',
      node.name,
      '--node-ip',
      layout.host,
      '--bind-address',
      layout.host,
      '--root-dir',
      node.rootDir ?? join(layout.dataDir, `kubelet-${node.name}`),
      '--kubelet-port',
      String(node.kubeletPort ?? 10250),
      '--secure-port',
      String(node.healthPort ?? 10248),
      '--tls-cert-file',
      serving.certFile,
      '--tls-private-key-file',
      serving.keyFile,
      '--client-ca-file',
      layout.pki.caFile,
      ...(node.podManifestPath ? ['--pod-manifest-path', node.podManifestPath] : []),
    ],
  };
}

/**
 * The simulated kubelet: `nodes` virtual nodes `<prefix>-0…` in one process, acting as
 * system:kubelet-simulator (its client config written by the caller from
 * `pki.kubeletSimulator`), health and metrics served with the apiserver's serving
 * certificate on `healthPort` (default 10247; 0: none).
 */
export function simulatedKubeletComponent(
  layout: ClusterLayout,
  opts: {
    readonly nodes: number;
    readonly kubeconfig: string;
    readonly healthPort?: number;
    readonly prefix?: string;
  },
): ComponentSpec {
  const { pki, host } = layout;
  return {
    name: 'kubelet-simulator',
    args: [
      'kubelet',
      '--simulate',
      '--nodes',
      String(opts.nodes),
      '--node-name-prefix',
      opts.prefix ?? 'sim-node',
      '--kubeconfig',
      opts.kubeconfig,
      '--bind-address',
      host,
      '--secure-port',
      String(opts.healthPort ?? 10247),
      '--tls-cert-file',
      pki.apiserver.certFile,
      '--tls-private-key-file',
      pki.apiserver.keyFile,
      '--client-ca-file',
      pki.caFile,
    ],
  };
}
