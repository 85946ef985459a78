import { createPublicKey, type KeyObject, X509Certificate as NodeCertificate } from 'node:crypto';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { BACKDATE_MS, type Ca } from './ca.js';
import {
  createCertificate,
  derToPem,
  parseCertificate,
  pemToDer,
  purposesOf,
  type Usage,
} from './certificate.js';
import { readIfExists, writeNewPrivateFile } from './files.js';
import { canonicalIp } from './ip.js';
import { ensurePrivateKey } from './key.js';
import { checkFileName } from './names.js';

export interface CertOptions {
  /** The identity: the user name for client certificates. */
  readonly commonName: string;
  /** The groups of a client certificate. */
  readonly organizations?: readonly string[];
  /** Subject alternative names a server is reached by. */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: Usage;
  /** Validity of a newly issued certificate; one year by default, as kubeadm does. */
  readonly validDays?: number;
}

/** A certificate, its key, and the CA that peers use to verify it. */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Makes sure `<dir>/<name>.crt` / `.key` hold a certificate issued by `ca` as described, issuing it
 * if missing. An existing certificate is never rewritten: if it no longer fits (another CA, other
 * subject, a requested name it lacks, expired) this throws and names the files to remove, so that a
 * new certificate can be issued on the next start.
 */
export function ensureCert(dir: string, ca: Ca, name: string, options: CertOptions): CertFiles {
  checkFileName(name);
  for (const ip of options.ipAddresses ?? []) {
    if (!isIP(ip)) throw new Error(`ipAddresses: ${JSON.stringify(ip)} is not an IP address`);
  }
  const files = {
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
    caFile: ca.certFile,
  };
  const privateKey = ensurePrivateKey(files.keyFile);
  let pem = readIfExists(files.certFile);
  if (!pem) {
    const now = Date.now();
    const der = createCertificate(
      {
        subject: { commonName: options.commonName, organizations: options.organizations ?? [] },
        publicKey: createPublicKey(privateKey),
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(
          Math.min(now + (options.validDays ?? 365) * DAY_MS, ca.certificate.notAfter.getTime()),
        ),
        usage: options.usage,
        dnsNames: dedupe(options.dnsNames ?? []),
        ipAddresses: dedupe((options.ipAddresses ?? []).map(canonicalIp)),
      },
      ca,
    );
    const created = derToPem(der);
    writeNewPrivateFile(files.certFile, created);
    pem = readIfExists(files.certFile) ?? Buffer.from(created);
  }
  const problems = certificateProblems(pem, ca, privateKey, options);
  if (problems.length > 0) {
    throw new Error(
      `certificate ${files.certFile} does not fit: ${problems.join('; ')}. Remove ${files.certFile} ` +
        `(and ${files.keyFile}) to have it issued again`,
    );
  }
  return files;
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Why an existing certificate cannot serve as the one requested; empty when it can. */
function certificateProblems(pem: Buffer, ca: Ca, privateKey: KeyObject, options: CertOptions): string[] {
  let node: NodeCertificate;
  let parsed: ReturnType<typeof parseCertificate>;
  try {
    parsed = parseCertificate(pemToDer(pem));
    node = new NodeCertificate(pem);
  } catch (err) {
    return [`it is not readable (${(err as Error).message})`];
  }
  const problems: string[] = [];
  if (
    !node.checkIssued(new NodeCertificate(ca.certificatePem)) ||
    !node.verify(createPublicKey(ca.privateKey))
  ) {
    problems.push(`it was not issued by the CA ${ca.certFile}`);
  }
  if (!node.checkPrivateKey(privateKey)) problems.push('it does not match its private key');
  if (parsed.notAfter.getTime() <= Date.now())
    problems.push(`it expired on ${parsed.notAfter.toISOString()}`);
  if (parsed.subject.commonName !== options.commonName) {
    problems.push(
      `its CN is ${JSON.stringify(parsed.subject.commonName)}, not ${JSON.stringify(options.commonName)}`,
    );
  }
  const wantedOrgs = [...new Set(options.organizations ?? [])].sort();
  const actualOrgs = [...new Set(parsed.subject.organizations)].sort();
  if (wantedOrgs.join('\n') !== actualOrgs.join('\n')) {
    problems.push(`its organizations are [${actualOrgs.join(', ')}], not [${wantedOrgs.join(', ')}]`);
  }
  const missingDns = (options.dnsNames ?? []).filter((n) => !parsed.dnsNames.includes(n));
  const missingIps = (options.ipAddresses ?? []).filter(
    (ip) => !parsed.ipAddresses.includes(canonicalIp(ip)),
  );
  if (missingDns.length + missingIps.length > 0) {
    problems.push(`it lacks the subject alternative names ${[...missingDns, ...missingIps].join(', ')}`);
  }
  const missingPurposes = purposesOf(options.usage).filter((p) => !parsed.extendedKeyUsages.includes(p));
  if (missingPurposes.length > 0) problems.push(`it is not valid for ${options.usage} authentication`);
  return problems;
}
