import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readIfExists, writeNewPrivateFile } from './files.js';

/**
 * Loads the private key at `path`, or generates an ECDSA P-256 key there when there is none. P-256
 * keys are generated in about a millisecond and every TLS stack accepts them.
 */
export function ensurePrivateKey(path: string): KeyObject {
  const existing = readIfExists(path);
  if (existing) return loadPrivateKey(path, existing);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  if (writeNewPrivateFile(path, pem)) return privateKey;
  // Another process wrote this key meanwhile: theirs is the one.
  return loadPrivateKey(path, readIfExists(path) ?? Buffer.alloc(0));
}

export function loadPrivateKey(path: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(
      `${path} is not a readable private key (${(err as Error).message}); remove it to generate a new one`,
    );
  }
}
