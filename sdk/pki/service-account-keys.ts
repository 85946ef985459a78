import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { readIfExists, writeNewPrivateFile } from './files.js';
import { ensurePrivateKey } from './key.js';

/** The key pair that signs service account tokens (JWTs, ES256): the apiserver signs with the private key. */
export interface ServiceAccountKeys {
  /** `sa.key`, PKCS#8 PEM, ECDSA P-256. */
  readonly privateKeyFile: string;
  /** `sa.pub`, SPKI PEM: what verifiers of tokens need. */
  readonly publicKeyFile: string;
  /** The JWS algorithm the keys are for. */
  readonly algorithm: 'ES256';
}

/** Creates (or reuses) `<dir>/sa.key` and `<dir>/sa.pub`; throws if the two exist but do not match. */
export function ensureServiceAccountKeys(dir: string): ServiceAccountKeys {
  const privateKeyFile = join(dir, 'sa.key');
  const publicKeyFile = join(dir, 'sa.pub');
  const privateKey = ensurePrivateKey(privateKeyFile);
  if (privateKey.asymmetricKeyType !== 'ec') {
    throw new Error(
      `${privateKeyFile} is a ${privateKey.asymmetricKeyType} key; service account tokens use ES256`,
    );
  }
  const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  if (!readIfExists(publicKeyFile)) writeNewPrivateFile(publicKeyFile, publicPem);
  const written = readIfExists(publicKeyFile)?.toString();
  const matches = (() => {
    try {
      const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });
      return written !== undefined && spki(written).equals(spki(publicPem));
    } catch {
      return false;
    }
  })();
  if (!matches) {
    throw new Error(
      `${publicKeyFile} is not the public half of ${privateKeyFile}: remove it to derive it again`,
    );
  }
  return { privateKeyFile, publicKeyFile, algorithm: 'ES256' };
}
