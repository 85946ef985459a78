import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureCa } from './ca.js';
import { type CertFiles, ensureCert } from './cert.js';
import { splitHosts } from './hosts.js';
import { ensureServiceAccountKeys, type ServiceAccountKeys } from './service-account-keys.js';
import { ensureStorePki, type StorePki } from './store-pki.js';

export interface ClusterPkiOptions {
  /** The nodes whose kubelets get credentials. */
  readonly nodes: readonly string[];
  /** Names or addresses the apiserver is reached by, beyond localhost, 127.0.0.1, ::1 and this host's name. */
  readonly apiserverHosts?: readonly string[];
}

/** The credentials of one kubelet: its client identity towards the apiserver and its serving certificate. */
export interface KubeletPki {
  readonly client: CertFiles;
  readonly serving: CertFiles;
}

/** Everything `wheelhouse up` needs, under `<dataDir>/pki/`. */
export interface ClusterPki {
  readonly dir: string;
  /** The cluster CA: clients verify the apiserver and kubelets with it; the apiserver trusts client certificates it issued. */
  readonly caFile: string;
  readonly caKeyFile: string;
  /** The apiserver's serving certificate. */
  readonly apiserver: CertFiles;
  /** The apiserver's identity towards kubelets (logs, exec). */
  readonly apiserverKubeletClient: CertFiles;
  readonly store: StorePki;
  readonly admin: CertFiles;
  readonly scheduler: CertFiles;
  readonly controllerManager: CertFiles;
  /** The simulated kubelet, which hosts many virtual nodes and so cannot be one node's identity. */
  readonly kubeletSimulator: CertFiles;
  /** By node name. */
  readonly kubelets: Readonly<Record<string, KubeletPki>>;
  readonly serviceAccount: ServiceAccountKeys;
}

/** Identities the cluster's components present, as Kubernetes names them where it has a name. */
export const Identities = {
  admin: { commonName: 'admin', organizations: ['system:masters'] },
  scheduler: { commonName: 'system:kube-scheduler' },
  controllerManager: { commonName: 'system:kube-controller-manager' },
  // Its own identity, not system:masters: RBAC grants it the kubelet API and nothing more.
  apiserverKubeletClient: { commonName: 'wheelhouse-apiserver-kubelet-client' },
  kubelet: (node: string) => ({ commonName: `system:node:${node}`, organizations: ['system:nodes'] }),
  // Not in system:nodes: the node authorizer would confine it to one node; RBAC grants it many.
  kubeletSimulator: { commonName: 'system:kubelet-simulator' },
} as const;

const LOCAL_HOSTS = ['localhost', '127.0.0.1', '::1'];

/**
 * Creates (or reuses) the cluster's PKI, as kubeadm's `init phase certs` does: existing files are kept,
 * missing ones are created. Layout of `<dataDir>/pki/`:
 *
 *   ca.crt ca.key                     the cluster CA
 *   apiserver.crt                     serving (localhost, 127.0.0.1, ::1, host name, extra hosts)
 *   apiserver-kubelet-client.crt      the apiserver towards kubelets
 *   admin.crt scheduler.crt controller-manager.crt
 *   kubelet-simulator.crt             system:kubelet-simulator (simulated nodes)
 *   kubelet-<node>-client.crt         system:node:<node>, O system:nodes
 *   kubelet-<node>-server.crt         the kubelet's serving certificate
 *   sa.key sa.pub                     service account token signing (ES256)
 *   store/                            the store's separate PKI (see ensureStorePki)
 *
 * each `.crt` with its `.key`.
 */
export function ensureClusterPki(dataDir: string, options: ClusterPkiOptions): ClusterPki {
  const dir = join(dataDir, 'pki');
  const ca = ensureCa(dir, 'ca', { commonName: 'wheelhouse-ca' });
  const client = (name: string, identity: { commonName: string; organizations?: readonly string[] }) =>
    ensureCert(dir, ca, name, { ...identity, usage: 'client' });

  const apiserverHosts = splitHosts([...LOCAL_HOSTS, hostname(), ...(options.apiserverHosts ?? [])]);
  const apiserver = ensureCert(dir, ca, 'apiserver', {
    commonName: 'wheelhouse-apiserver',
    ...apiserverHosts,
    usage: 'server',
  });

  const kubelets: Record<string, KubeletPki> = {};
  for (const node of new Set(options.nodes)) {
    const hosts = splitHosts([node, ...LOCAL_HOSTS]);
    kubelets[node] = {
      client: client(`kubelet-${node}-client`, Identities.kubelet(node)),
      serving: ensureCert(dir, ca, `kubelet-${node}-server`, {
        ...Identities.kubelet(node),
        ...hosts,
        usage: 'server',
      }),
    };
  }

  return {
    dir,
    caFile: ca.certFile,
    caKeyFile: ca.keyFile,
    apiserver,
    apiserverKubeletClient: client('apiserver-kubelet-client', Identities.apiserverKubeletClient),
    store: ensureStorePki(dataDir),
    admin: client('admin', Identities.admin),
    scheduler: client('scheduler', Identities.scheduler),
    controllerManager: client('controller-manager', Identities.controllerManager),
    kubeletSimulator: client('kubelet-simulator', Identities.kubeletSimulator),
    kubelets,
    serviceAccount: ensureServiceAccountKeys(dir),
  };
}
