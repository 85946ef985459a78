import { createPublicKey, type KeyObject, X509Certificate as NodeCertificate } from 'node:crypto';
import { join } from 'node:path';
import {
  createCertificate,
  derToPem,
  type ParsedCertificate,
  parseCertificate,
  pemToDer,
} from './certificate.js';
import { readIfExists, writeNewPrivateFile } from './files.js';
import { ensurePrivateKey, loadPrivateKey } from './key.js';
import { checkFileName } from './names.js';

/** A certificate authority on disk, loaded and ready to sign. */
export interface Ca {
  readonly name: string;
  /** `<dir>/<name>.crt`: what peers trust. */
  readonly certFile: string;
  /** `<dir>/<name>.key`. */
  readonly keyFile: string;
  readonly certificatePem: string;
  readonly certificate: ParsedCertificate;
  readonly privateKey: KeyObject;
}

export interface CaOptions {
  /** The CA's subject CN; defaults to the file name. */
  readonly commonName?: string;
  /** Validity of a newly created CA; ten years by default, as kubeadm does. */
  readonly validDays?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past so that a peer whose clock lags still accepts them. */
export const BACKDATE_MS = 5 * 60 * 1000;

/**
 * Loads the CA `<dir>/<name>.crt` / `.key`, creating whatever is missing. An existing CA is never
 * replaced: if it is unusable (expired, not a CA, key and certificate do not match) this throws and
 * says which file to fix, because a silently new CA would invalidate every certificate issued so far.
 */
export function ensureCa(dir: string, name: string, options: CaOptions = {}): Ca {
  checkFileName(name);
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  let certPem = readIfExists(certFile);
  const keyPem = readIfExists(keyFile);
  if (certPem && !keyPem) {
    throw new Error(
      `CA certificate ${certFile} exists without its private key ${keyFile}: restore the key, or remove ` +
        'the certificate (and every certificate it issued) to start a new CA',
    );
  }
  const privateKey = keyPem ? loadPrivateKey(keyFile, keyPem) : ensurePrivateKey(keyFile);
  if (!certPem) {
    const now = Date.now();
    const der = createCertificate(
      {
        subject: { commonName: options.commonName ?? name },
        publicKey: createPublicKey(privateKey),
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(now + (options.validDays ?? 3650) * DAY_MS),
        isCa: true,
      },
      { selfKey: privateKey },
    );
    const pem = derToPem(der);
    writeNewPrivateFile(certFile, pem);
    certPem = readIfExists(certFile) ?? Buffer.from(pem);
  }
  const certificate = checkCa(certFile, certPem, privateKey);
  return { name, certFile, keyFile, certificatePem: certPem.toString('utf8'), certificate, privateKey };
}

function checkCa(certFile: string, pem: Buffer, privateKey: KeyObject): ParsedCertificate {
  let parsed: ParsedCertificate;
  let node: NodeCertificate;
  try {
    parsed = parseCertificate(pemToDer(pem));
    node = new NodeCertificate(pem);
  } catch (err) {
    throw new Error(`${certFile} is not a readable certificate (${(err as Error).message})`);
  }
  const problems: string[] = [];
  if (!parsed.isCa) problems.push('it is not a CA certificate (basicConstraints CA:true is missing)');
  if (!node.checkPrivateKey(privateKey)) problems.push('it does not match its private key');
  if (parsed.notAfter.getTime() <= Date.now())
    problems.push(`it expired on ${parsed.notAfter.toISOString()}`);
  if (problems.length > 0) {
    throw new Error(
      `CA certificate ${certFile} cannot be used: ${problems.join('; ')}. Replace it, or remove it and its ` +
        'key (and every certificate it issued) to start a new CA',
    );
  }
  return parsed;
}
