/**
 * The local PKI that `wheelhouse up` creates on first start, as kubeadm or k3s do: a cluster CA and
 * the certificates of every component, the store's own CA, and the service account signing keys.
 * Every file is created once (mode 0600, folders 0700) and reused afterwards, never overwritten.
 */
export { type Ca, type CaOptions, ensureCa } from './ca.js';
export { type CertFiles, type CertOptions, ensureCert } from './cert.js';
export type { ParsedCertificate, Usage } from './certificate.js';
export { ClientCertificateVerifier, type VerifiedIdentity } from './client-certificates.js';
export {
  type ClusterPki,
  type ClusterPkiOptions,
  ensureClusterPki,
  Identities,
  type KubeletPki,
} from './cluster-pki.js';
export { type CertIdentity, readCertIdentity } from './identity.js';
export { ensureServiceAccountKeys, type ServiceAccountKeys } from './service-account-keys.js';
export {
  ensureStorePki,
  STORE_CLIENT_COMMON_NAME,
  type StorePki,
  type StorePkiOptions,
} from './store-pki.js';
