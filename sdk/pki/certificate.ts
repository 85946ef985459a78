import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import {
  bitString,
  boolean,
  children,
  decodeOid,
  decodeTime,
  type Element,
  explicit,
  implicitPrimitive,
  namedBits,
  octetString,
  oid,
  readElement,
  sequence,
  setOf,
  smallInteger,
  Tag,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from './der.js';
import { bytesToIp, ipToBytes } from './ip.js';

/**
 * Building and reading X.509 v3 certificates (RFC 5280), limited to the profile a local PKI needs:
 * a CA, and leaf certificates for TLS servers and clients with DNS and IP subject alternative names.
 */

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const KeyUsageBit = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** The subject of a certificate as Kubernetes reads it: CN is the user, each O a group. */
export interface Subject {
  readonly commonName: string;
  readonly organizations?: readonly string[];
}

export type Usage = 'server' | 'client' | 'both';

export interface CertificateTemplate {
  readonly subject: Subject;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA certificate (basicConstraints CA:true, may sign certificates) or a leaf for TLS. */
  readonly isCa?: boolean;
  readonly usage?: Usage;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** Who signs: the CA's parsed certificate and private key, or nothing for a self-signed CA. */
export interface Issuer {
  readonly certificate: ParsedCertificate;
  readonly privateKey: KeyObject;
}

function encodeName(subject: Subject): Buffer {
  // One attribute per RDN, organizations first, as `openssl req -subj /O=.../CN=...` would write.
  const rdn = (type: string, value: string) => setOf(sequence(oid(type), utf8String(value)));
  return sequence(
    ...(subject.organizations ?? []).map((o) => rdn(OID.organization, o)),
    rdn(OID.commonName, subject.commonName),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function signatureAlgorithm(key: KeyObject): { der: Buffer; hash: string } {
  switch (key.asymmetricKeyType) {
    case 'ec':
      // RFC 5758: the parameters field is absent for ECDSA.
      return { der: sequence(oid(OID.ecdsaWithSha256)), hash: 'sha256' };
    case 'rsa':
      return { der: sequence(oid(OID.sha256WithRsa), tlv(0x05)), hash: 'sha256' };
    default:
      throw new Error(`cannot sign certificates with a ${key.asymmetricKeyType} key; use EC or RSA`);
  }
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = readElement(publicKey.export({ type: 'spki', format: 'der' }));
  const bits = children(spki.contents)[1];
  if (!bits) throw new Error('malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(bits.contents.subarray(1)).digest();
}

/**
 * Builds and signs a certificate; returns its DER. Self-signed when no issuer is given (the template's
 * own key must then be passed as `selfKey`).
 */
export function createCertificate(
  template: CertificateTemplate,
  issuer: Issuer | { selfKey: KeyObject },
): Buffer {
  const signingKey = 'selfKey' in issuer ? issuer.selfKey : issuer.privateKey;
  const issuerName = 'selfKey' in issuer ? encodeName(template.subject) : issuer.certificate.subjectRaw;
  const authorityKeyId =
    'selfKey' in issuer ? keyIdentifier(template.publicKey) : issuer.certificate.subjectKeyIdentifier;
  const algorithm = signatureAlgorithm(signingKey);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f || 0x01; // positive and never zero

  const extensions: Buffer[] = [];
  if (template.isCa) {
    extensions.push(extension(OID.basicConstraints, true, sequence(boolean(true))));
    extensions.push(
      extension(
        OID.keyUsage,
        true,
        namedBits([KeyUsageBit.digitalSignature, KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign]),
      ),
    );
  } else {
    const usage = template.usage ?? 'both';
    extensions.push(extension(OID.basicConstraints, true, sequence()));
    // keyEncipherment only means something for RSA key transport; ECDSA keys sign.
    const bits: number[] = [KeyUsageBit.digitalSignature];
    if (template.publicKey.asymmetricKeyType === 'rsa') bits.push(KeyUsageBit.keyEncipherment);
    extensions.push(extension(OID.keyUsage, true, namedBits(bits)));
    const purposes = [
      ...(usage === 'server' || usage === 'both' ? [oid(OID.serverAuth)] : []),
      ...(usage === 'client' || usage === 'both' ? [oid(OID.clientAuth)] : []),
    ];
    extensions.push(extension(OID.extKeyUsage, false, sequence(...purposes)));
  }
  const altNames = [
    ...(template.dnsNames ?? []).map((name) => implicitPrimitive(2, Buffer.from(name, 'ascii'))),
    ...(template.ipAddresses ?? []).map((ip) => implicitPrimitive(7, ipToBytes(ip))),
  ];
  if (altNames.length > 0) extensions.push(extension(OID.subjectAltName, false, sequence(...altNames)));
  extensions.push(extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(template.publicKey))));
  if (authorityKeyId) {
    extensions.push(
      extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, authorityKeyId))),
    );
  }

  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm.der,
    issuerName,
    sequence(time(template.notBefore), time(template.notAfter)),
    encodeName(template.subject),
    template.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign(algorithm.hash, tbs, signingKey);
  return sequence(tbs, algorithm.der, bitString(signature));
}

/** The fields of a certificate this PKI reads back. */
export interface ParsedCertificate {
  readonly der: Buffer;
  readonly subject: { readonly commonName: string; readonly organizations: string[] };
  /** The subject Name exactly as encoded, reused as the issuer of the certificates a CA signs. */
  readonly subjectRaw: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  readonly dnsNames: string[];
  /** In canonical form (see ip.ts). */
  readonly ipAddresses: string[];
  readonly extendedKeyUsages: string[];
  readonly subjectKeyIdentifier?: Buffer;
}

function readName(name: Element): { commonName: string; organizations: string[] } {
  let commonName = '';
  const organizations: string[] = [];
  for (const rdn of children(name.contents)) {
    for (const attribute of children(rdn.contents)) {
      const [type, value] = children(attribute.contents);
      if (!type || !value) continue;
      const id = decodeOid(type.contents);
      // UTF8String, PrintableString, IA5String, T61String: all ASCII-compatible for what we read.
      const text = value.contents.toString(value.tag === 0x1e ? 'utf16le' : 'utf8');
      if (id === OID.commonName) commonName = text;
      else if (id === OID.organization) organizations.push(text);
    }
  }
  return { commonName, organizations };
}

/** Parses a DER certificate; throws if it is not one. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  const certificate = readElement(der);
  const [tbs] = children(certificate.contents);
  if (certificate.tag !== Tag.sequence || !tbs) throw new Error('not an X.509 certificate');
  const fields = children(tbs.contents);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // the version is optional (v1)
  const validity = fields[offset + 3];
  const subject = fields[offset + 4];
  if (!validity || !subject) throw new Error('not an X.509 certificate');
  const [notBefore, notAfter] = children(validity.contents);
  if (!notBefore || !notAfter) throw new Error('certificate has a malformed validity');

  const parsed = {
    der: certificate.raw,
    subject: readName(subject),
    subjectRaw: subject.raw,
    notBefore: decodeTime(notBefore),
    notAfter: decodeTime(notAfter),
    isCa: false,
    dnsNames: [] as string[],
    ipAddresses: [] as string[],
    extendedKeyUsages: [] as string[],
    subjectKeyIdentifier: undefined as Buffer | undefined,
  };
  const extensions = fields.find((f) => f.tag === 0xa3);
  const list = extensions ? children(extensions.contents)[0] : undefined;
  for (const ext of list ? children(list.contents) : []) {
    const parts = children(ext.contents);
    const id = parts[0] ? decodeOid(parts[0].contents) : '';
    const value = parts[parts.length - 1]?.contents;
    if (!value) continue;
    const inner = readElement(value);
    if (id === OID.basicConstraints) {
      const first = children(inner.contents)[0];
      parsed.isCa = first?.tag === Tag.boolean && first.contents[0] !== 0;
    } else if (id === OID.subjectAltName) {
      for (const name of children(inner.contents)) {
        if (name.tag === 0x82) parsed.dnsNames.push(name.contents.toString('ascii'));
        else if (name.tag === 0x87) parsed.ipAddresses.push(bytesToIp(name.contents));
      }
    } else if (id === OID.extKeyUsage) {
      parsed.extendedKeyUsages = children(inner.contents).map((e) => decodeOid(e.contents));
    } else if (id === OID.subjectKeyIdentifier) {
      parsed.subjectKeyIdentifier = inner.contents;
    }
  }
  return parsed;
}

/** The extended key usages a leaf needs for a usage. */
export function purposesOf(usage: Usage): string[] {
  return [...(usage === 'client' ? [] : [OID.serverAuth]), ...(usage === 'server' ? [] : [OID.clientAuth])];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER of the first PEM block of the given label; a buffer that is not PEM is taken as DER. */
export function pemToDer(input: string | Buffer, label = 'CERTIFICATE'): Buffer {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const match = PEM_BLOCK.exec(text);
  if (match) {
    if (match[1] !== label) throw new Error(`expected a PEM ${label}, found ${match[1]}`);
    return Buffer.from(match[2] ?? '', 'base64');
  }
  if (typeof input !== 'string') return input;
  throw new Error(`no PEM ${label} block found`);
}
