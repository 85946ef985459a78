import { join } from 'node:path';
import { ensureCa } from './ca.js';
import { ensureCert } from './cert.js';
import { splitHosts } from './hosts.js';

/** The store's own PKI, kept apart from the cluster CA as etcd's is in kubeadm. */
export interface StorePki {
  /** The store CA: the store trusts client certificates it issued, and clients verify the store with it. */
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** The client certificate (CN `wheelhouse-apiserver`) of the only client the store accepts. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** The CN the store accepts on client certificates. */
export const STORE_CLIENT_COMMON_NAME = 'wheelhouse-apiserver';

export interface StorePkiOptions {
  /** More names or addresses the store is reached by, beyond localhost, 127.0.0.1 and ::1. */
  readonly hosts?: readonly string[];
}

/**
 * Creates (or reuses) `<dataDir>/pki/store/`: `ca.crt`, `server.crt` (SANs localhost, 127.0.0.1, ::1)
 * and `apiserver-client.crt`, each with its `.key`.
 */
export function ensureStorePki(dataDir: string, options: StorePkiOptions = {}): StorePki {
  const dir = join(dataDir, 'pki', 'store');
  const ca = ensureCa(dir, 'ca', { commonName: 'wheelhouse-store-ca' });
  const hosts = splitHosts(['localhost', '127.0.0.1', '::1', ...(options.hosts ?? [])]);
  const server = ensureCert(dir, ca, 'server', {
    commonName: 'wheelhouse-store',
    dnsNames: hosts.dnsNames,
    ipAddresses: hosts.ipAddresses,
    usage: 'server',
  });
  const client = ensureCert(dir, ca, 'apiserver-client', {
    commonName: STORE_CLIENT_COMMON_NAME,
    usage: 'client',
  });
  return {
    caFile: ca.certFile,
    serverCertFile: server.certFile,
    serverKeyFile: server.keyFile,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
  };
}
