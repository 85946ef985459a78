/**
 * The processes `wheelhouse up` runs and the flags each gets: the one place to
 * add a component as it is built. Each is `wheelhouse <name>` in its own process,
 * talking real gRPC over TLS to the others, with its files under the data dir.
 */
import { join } from 'node:path';
import { APISERVER_NODE_FLAGS } from '../../apiserver/node-flags.js';
import type { ClusterPki } from '../../sdk/pki/index.js';

export interface UpLayout {
  readonly dataDir: string;
  readonly pki: ClusterPki;
  readonly storePort: number;
  readonly apiserverPort: number;
  /** Where each serves /metrics (HTTPS, client certificates; see readyMessage in up.ts). */
  readonly storeMetricsPort: number;
  readonly apiserverMetricsPort: number;
}

export interface ComponentSpec {
  readonly name: string;
  /** The arguments after `wheelhouse`. */
  readonly args: string[];
  /** Flags for Node itself, before the script. */
  readonly nodeFlags?: readonly string[];
}

export const LOOPBACK = '127.0.0.1';

/**
 * The store: its data under `<dataDir>/store`, serving only the apiserver's client certificate.
 * Its metrics also take the cluster CA's certificates, so that the admin's (system:masters)
 * or a system:monitoring one reads both components' metrics.
 */
export function storeComponent(layout: UpLayout): ComponentSpec {
  const { store } = layout.pki;
  return {
    name: 'store',
    args: [
      'store',
      '--data-dir',
      join(layout.dataDir, 'store'),
      '--listen',
      `${LOOPBACK}:${layout.storePort}`,
      '--metrics-listen',
      `${LOOPBACK}:${layout.storeMetricsPort}`,
      '--metrics-client-ca',
      store.caFile,
      '--metrics-client-ca',
      layout.pki.caFile,
      '--tls-cert',
      store.serverCertFile,
      '--tls-key',
      store.serverKeyFile,
      '--tls-ca',
      store.caFile,
    ],
  };
}

/** The apiserver: the store's client, serving the API with the cluster CA's certificates. */
export function apiserverComponent(layout: UpLayout): ComponentSpec {
  const { pki } = layout;
  return {
    name: 'apiserver',
    nodeFlags: APISERVER_NODE_FLAGS,
    args: [
      'apiserver',
      '--store-servers',
      `${LOOPBACK}:${layout.storePort}`,
      '--store-cafile',
      pki.store.caFile,
      '--store-certfile',
      pki.store.clientCertFile,
      '--store-keyfile',
      pki.store.clientKeyFile,
      '--bind-address',
      LOOPBACK,
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
      '--audit-log-path',
      join(layout.dataDir, 'audit.log'),
      '--metrics-bind-address',
      `${LOOPBACK}:${layout.apiserverMetricsPort}`,
    ],
  };
}
