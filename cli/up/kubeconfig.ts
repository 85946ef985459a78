/**
 * A kubeconfig for kubectl and Kubernetes' client libraries, pointing at the apiserver's
 * REST port: the cluster CA and the user's client certificate and key embedded as data,
 * so the file stands alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  /** `https://host:port` of the REST API. */
  readonly server: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The cluster's and context's name (default `wheelhouse`). */
  readonly cluster?: string;
  /** The user's name in the file (default `admin`). */
  readonly user?: string;
}

export function kubeconfigYaml(opts: KubeconfigOptions): string {
  const cluster = opts.cluster ?? 'wheelhouse';
  const user = opts.user ?? 'admin';
  const data = (file: string) => readFileSync(file).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: cluster, cluster: { server: opts.server, 'certificate-authority-data': data(opts.caFile) } },
    ],
    users: [
      {
        name: user,
        user: { 'client-certificate-data': data(opts.certFile), 'client-key-data': data(opts.keyFile) },
      },
    ],
    contexts: [{ name: cluster, context: { cluster, user, namespace: 'default' } }],
    'current-context': cluster,
    preferences: {},
  });
}

/** Writes the kubeconfig to `path`, readable by its owner only (it holds a private key). */
export function writeKubeconfig(path: string, opts: KubeconfigOptions): void {
  writeFileSync(path, kubeconfigYaml(opts), { mode: 0o600 });
}
