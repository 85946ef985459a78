/**
 * The keys of service account tokens, read from the files kube-apiserver's flags
 * name: `--service-account-signing-key-file` (the private key, held only by the
 * apiserver) and `--service-account-key-file` (public keys, private keys or
 * certificates whose keys verify tokens; several files and several PEM blocks per
 * file, so that a rotated-out key keeps verifying the tokens it signed).
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyIdOf } from './jws.js';

export function loadSigningKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (err) {
    throw new Error(
      `--service-account-signing-key-file ${path}: not a private key (${(err as Error).message})`,
    );
  }
  assertP256(key, path);
  return key;
}

/** Verification keys by key id. */
export function loadVerificationKeys(paths: readonly string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const path of paths) {
    const pem = readFileSync(path, 'utf8');
    const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
    for (const block of blocks) {
      const key = publicKeyOf(block);
      if (key === undefined) continue;
      assertP256(key, path);
      keys.set(keyIdOf(key), key);
    }
    if (blocks.length === 0) throw new Error(`--service-account-key-file ${path}: no PEM key found`);
  }
  return keys;
}

/** The public half of a PEM block; undefined for blocks that hold no key (parameters). */
function publicKeyOf(block: string): KeyObject | undefined {
  if (block.includes('BEGIN CERTIFICATE')) return new X509Certificate(block).publicKey;
  if (block.includes('PARAMETERS')) return undefined;
  if (block.includes('PRIVATE KEY')) return createPublicKey(createPrivateKey(block));
  return createPublicKey(block);
}

function assertP256(key: KeyObject, path: string): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new Error(
      `${path}: service account tokens are signed with ES256, which needs an ECDSA P-256 key (found ${key.asymmetricKeyType}${curve ? ` ${curve}` : ''})`,
    );
  }
}
