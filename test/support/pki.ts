/**
 * A test health PKI, made with @peculiar/x509 over this runtime's WebCrypto, once per process:
 *
 *   root (P-256, self-signed)          configured: kinds prescriber pharmacy
 *   ├─ prescriber CA (RSA-2048)        configured: kinds prescriber; id serialNumber prefix 8 (RPPS)
 *   └─ pharmacy CA (P-256)             configured: kinds pharmacy; id organizationIdentifier (FINESS)
 *   other root (P-256, self-signed)    not configured
 *   ├─ other CA (P-256)                not configured
 *   └─ impostor (P-256)                not configured: the prescriber CA's subject, another key
 *
 * Leaves: RSA keys are one RSA-2048 pair per process (generation is slow), P-256 keys one per leaf.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

x509.cryptoProvider.set(globalThis.crypto);

export type CaName = 'root' | 'prescriber' | 'pharmacy' | 'otherRoot' | 'other' | 'impostor';
export type LeafKey = 'rsa' | 'p256' | 'ed25519' | 'p384' | 'rsa1024';

export type TestCa = {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  der: Uint8Array;
  pem: string;
  /** Standard base64 of the DER, as in x5c. */
  b64: string;
};

export type LeafOptions = {
  /** The issuing CA: a name of the test PKI or any TestCa (default prescriber). */
  ca?: CaName | TestCa;
  /** RPPS (a prescriber: serialNumber "8" + id) or FINESS (a pharmacy: organizationIdentifier id). */
  id: string;
  key?: LeafKey;
  /** A P-256 pair to certify instead of a fresh key (signs ES256). */
  keys?: CryptoKeyPair;
  /** For an RSA key: what the returned private key signs with (default PS256). */
  alg?: 'PS256' | 'RS256';
  notBefore?: Date;
  notAfter?: Date;
  /** Default digitalSignature | nonRepudiation. */
  keyUsage?: x509.KeyUsageFlags;
  /** A CA certificate (basicConstraints cA, keyCertSign) as the leaf. */
  ca_cert?: boolean;
  givenName?: string;
  surname?: string;
  organizationName?: string;
  title?: string;
  /** The whole subject, replacing the one made from the fields above. */
  subject?: x509.JsonName;
  /** Hex serial number (default random, 16 bytes). */
  serial?: string;
  extensions?: x509.Extension[];
};

export type TestLeaf = {
  /** The leaf, then its issuing CA. */
  x5c: string[];
  der: Uint8Array;
  /** Lowercase hex, no leading zeros (as Ordo reports serials). */
  serial: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: 'PS256' | 'ES256' | 'RS256' | 'EdDSA' | 'ES384';
  kid: string;
};

export type CrlOptions = {
  thisUpdate?: Date;
  /** Null: no nextUpdate. */
  nextUpdate?: Date | null;
  /** Signed with the other root's key (the issuer name stays the CA's). */
  signer?: 'other';
  extensions?: x509.Extension[];
};

export type SubCaOptions = { issuer: TestCa; name: string; pathLen?: number; keyUsage?: x509.KeyUsageFlags; notBefore?: Date; notAfter?: Date };

export type TestPki = {
  cas: Record<CaName, TestCa>;
  /** ORDO_TRUST_ANCHORS for root, prescriber CA and pharmacy CA. */
  anchorsText: string;
  leaf(opts: LeafOptions): Promise<TestLeaf>;
  /** A further P-256 CA (not configured) under `issuer`. */
  subCa(opts: SubCaOptions): Promise<TestCa>;
  /** A CRL issued by `ca`, DER. Serials are hex; each entry has a reason (keyCompromise), and `extensions` if given. */
  crl(ca: CaName | TestCa, revoked: { serial: string; at: Date; extensions?: x509.Extension[] }[], opts?: CrlOptions): Promise<Uint8Array>;
  /**
   * The same made with pkijs, for long lists (@peculiar/x509 takes minutes for 100,000 entries,
   * pkijs seconds): no entry extensions, UTCTime dates, nextUpdate 7 days after thisUpdate.
   */
  bulkCrl(ca: CaName | TestCa, revoked: { serial: string; at: Date }[], opts?: { thisUpdate?: Date }): Promise<Uint8Array>;
  pem(der: Uint8Array, label: string): string;
  /** The SDK's SigningKey shape (src/client/sign.ts). */
  signingKey(leaf: TestLeaf): { kid: string; alg: TestLeaf['alg']; privateKey: CryptoKey; publicJwk: JWK };
};

const DAY = 86_400_000;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA = (name: string, bits = 2048) => ({ name, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' });

export const toB64 = (der: Uint8Array): string => Buffer.from(der).toString('base64');
export const pem = (der: Uint8Array, label: string): string =>
  `-----BEGIN ${label}-----\n${toB64(der).replace(/.{64}(?=.)/g, '$&\n')}\n-----END ${label}-----\n`;

/** One PEM block of an anchors text, preceded by its settings lines. */
export const anchorBlock = (ca: TestCa, settings: string[]): string => [...settings, ca.pem].join('\n');

const randomSerial = (): string => '01' + Buffer.from(crypto.getRandomValues(new Uint8Array(15))).toString('hex');
const signingAlgorithm = (keys: CryptoKeyPair) => (keys.privateKey.algorithm.name === 'ECDSA' ? ECDSA_SHA256 : { name: 'RSASSA-PKCS1-v1_5' });

function asCa(cert: x509.X509Certificate, keys: CryptoKeyPair): TestCa {
  const der = new Uint8Array(cert.rawData);
  return { cert, keys, der, pem: pem(der, 'CERTIFICATE'), b64: toB64(der) };
}

async function makeCa(name: string, keys: CryptoKeyPair, issuer: TestCa | null, opts: Partial<SubCaOptions> = {}): Promise<TestCa> {
  const base = {
    serialNumber: randomSerial(),
    notBefore: opts.notBefore ?? new Date(Date.now() - 30 * DAY),
    notAfter: opts.notAfter ?? new Date(Date.now() + 3650 * DAY),
    extensions: [
      new x509.BasicConstraintsExtension(true, opts.pathLen, true),
      new x509.KeyUsagesExtension(opts.keyUsage ?? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  };
  const cert = issuer
    ? await x509.X509CertificateGenerator.create({
      ...base, subject: name, issuer: issuer.cert.subjectName, publicKey: keys.publicKey, signingKey: issuer.keys.privateKey,
      signingAlgorithm: signingAlgorithm(issuer.keys),
    })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...base, name, keys, signingAlgorithm: signingAlgorithm(keys) });
  return asCa(cert, keys);
}

const ecKeys = () => crypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

let rsaLeafKeys: Promise<{ pss: CryptoKeyPair; pkcs1: CryptoKey }> | undefined;
/** The process's one RSA-2048 leaf key, as RSA-PSS and as PKCS #1 v1.5 (WebCrypto keys are bound to one). */
function rsaKeys() {
  rsaLeafKeys ??= (async () => {
    const pss = (await crypto.subtle.generateKey(RSA('RSA-PSS'), true, ['sign', 'verify'])) as CryptoKeyPair;
    const pkcs8 = await crypto.subtle.exportKey('pkcs8', pss.privateKey);
    const pkcs1 = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
    return { pss, pkcs1 };
  })();
  return rsaLeafKeys;
}

async function leafKeys(key: LeafKey, alg: 'PS256' | 'RS256'): Promise<{ keys: CryptoKeyPair; signer: CryptoKey; alg: TestLeaf['alg'] }> {
  switch (key) {
    case 'rsa': {
      const { pss, pkcs1 } = await rsaKeys();
      return { keys: pss, signer: alg === 'RS256' ? pkcs1 : pss.privateKey, alg };
    }
    case 'rsa1024': {
      const keys = (await crypto.subtle.generateKey(RSA('RSA-PSS', 1024), true, ['sign', 'verify'])) as CryptoKeyPair;
      return { keys, signer: keys.privateKey, alg: 'PS256' };
    }
    case 'p256': {
      const keys = await ecKeys();
      return { keys, signer: keys.privateKey, alg: 'ES256' };
    }
    case 'p384': {
      const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify'])) as CryptoKeyPair;
      return { keys, signer: keys.privateKey, alg: 'ES384' };
    }
    case 'ed25519': {
      const keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
      return { keys, signer: keys.privateKey, alg: 'EdDSA' };
    }
  }
}

/** The public JWK with its canonical members only. */
async function canonicalJwk(key: CryptoKey): Promise<JWK> {
  const { kty, crv, x, y, n, e } = await exportJWK(key);
  return kty === 'RSA' ? { kty, n, e } : kty === 'EC' ? { kty, crv, x, y } : { kty, crv, x };
}

function subjectOf(opts: LeafOptions, pharmacy: boolean): x509.JsonName {
  if (opts.subject) return opts.subject;
  const name: x509.JsonName = [{ C: ['FR'] }];
  if (pharmacy) {
    const org = opts.organizationName ?? 'Pharmacie du Centre';
    name.push({ O: [org] }, { '2.5.4.97': [opts.id] }, { CN: [org] });
  } else {
    const given = opts.givenName ?? 'Camille';
    const surname = opts.surname ?? 'Martin';
    if (opts.organizationName) name.push({ O: [opts.organizationName] });
    name.push({ G: [given] }, { SN: [surname] }, { '2.5.4.5': [`8${opts.id}`] }, { CN: [`${given} ${surname}`] });
  }
  if (opts.title) name.push({ T: [opts.title] });
  return name;
}

let made: Promise<TestPki> | undefined;

/** The test PKI, generated once per process (every call returns the same one). */
export function makeTestPki(): Promise<TestPki> {
  made ??= build();
  return made;
}

async function build(): Promise<TestPki> {
  const root = await makeCa('CN=Ordo Test Root, O=Ordo Test PKI, C=FR', await ecKeys(), null);
  const rsaCa = (await crypto.subtle.generateKey(RSA('RSASSA-PKCS1-v1_5'), true, ['sign', 'verify'])) as CryptoKeyPair;
  const prescriber = await makeCa('CN=Ordo Test Prescriber CA, O=Ordo Test PKI, C=FR', rsaCa, root, { pathLen: 0 });
  const pharmacy = await makeCa('CN=Ordo Test Pharmacy CA, O=Ordo Test PKI, C=FR', await ecKeys(), root, { pathLen: 0 });
  const otherRoot = await makeCa('CN=Other Root, O=Elsewhere, C=FR', await ecKeys(), null);
  const other = await makeCa('CN=Other CA, O=Elsewhere, C=FR', await ecKeys(), otherRoot, { pathLen: 0 });
  const impostor = await makeCa('CN=Ordo Test Prescriber CA, O=Ordo Test PKI, C=FR', await ecKeys(), otherRoot, { pathLen: 0 });
  const cas: Record<CaName, TestCa> = { root, prescriber, pharmacy, otherRoot, other, impostor };
  const caOf = (ca: CaName | TestCa | undefined): TestCa => (typeof ca === 'object' ? ca : cas[ca ?? 'prescriber']);

  const anchorsText = [
    anchorBlock(root, ['# The test root', 'kinds: prescriber pharmacy']),
    anchorBlock(prescriber, ['kinds: prescriber', 'id: serialNumber prefix 8']),
    anchorBlock(pharmacy, ['kinds: pharmacy', 'id: organizationIdentifier']),
  ].join('\n');

  async function leaf(opts: LeafOptions): Promise<TestLeaf> {
    const issuer = caOf(opts.ca);
    const { keys, signer, alg } = opts.keys ? { keys: opts.keys, signer: opts.keys.privateKey, alg: 'ES256' as const } : await leafKeys(opts.key ?? 'rsa', opts.alg ?? 'PS256');
    const serial = opts.serial ?? randomSerial();
    const usage = opts.keyUsage ?? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: subjectOf(opts, issuer === pharmacy),
      issuer: issuer.cert.subjectName,
      notBefore: opts.notBefore ?? new Date(Date.now() - DAY),
      notAfter: opts.notAfter ?? new Date(Date.now() + 365 * DAY),
      publicKey: keys.publicKey,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: signingAlgorithm(issuer.keys),
      extensions: [
        new x509.BasicConstraintsExtension(opts.ca_cert === true, undefined, true),
        new x509.KeyUsagesExtension(opts.ca_cert ? usage | x509.KeyUsageFlags.keyCertSign : usage, true),
        ...(opts.extensions ?? []),
      ],
    });
    const der = new Uint8Array(cert.rawData);
    const publicJwk = await canonicalJwk(keys.publicKey);
    return {
      x5c: [toB64(der), issuer.b64],
      der,
      serial: serial.toLowerCase().replace(/^0+(?=.)/, ''),
      privateKey: signer,
      publicJwk,
      alg,
      kid: await calculateJwkThumbprint(publicJwk, 'sha256'),
    };
  }

  async function crl(ca: CaName | TestCa, revoked: { serial: string; at: Date; extensions?: x509.Extension[] }[], opts: CrlOptions = {}): Promise<Uint8Array> {
    const issuer = caOf(ca);
    const keys = opts.signer === 'other' ? otherRoot.keys : issuer.keys;
    const list = await x509.X509CrlGenerator.create({
      issuer: issuer.cert.subjectName,
      thisUpdate: opts.thisUpdate ?? new Date(Date.now() - 3_600_000),
      ...(opts.nextUpdate === null ? {} : { nextUpdate: opts.nextUpdate ?? new Date(Date.now() + 7 * DAY) }),
      // A reason on every entry: without one @peculiar/x509 writes an empty crlEntryExtensions, which RFC 5280 forbids.
      entries: revoked.map((r) => ({ serialNumber: r.serial, revocationDate: r.at, reason: x509.X509CrlReason.keyCompromise, ...(r.extensions ? { extensions: r.extensions } : {}) })),
      signingKey: keys.privateKey,
      signingAlgorithm: signingAlgorithm(keys),
      ...(opts.extensions ? { extensions: opts.extensions } : {}),
    });
    return new Uint8Array(list.rawData);
  }

  async function bulkCrl(ca: CaName | TestCa, revoked: { serial: string; at: Date }[], opts: { thisUpdate?: Date } = {}): Promise<Uint8Array> {
    const issuer = caOf(ca);
    const thisUpdate = opts.thisUpdate ?? new Date(Date.now() - 3_600_000);
    const integer = (hex: string) => {
      const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
      return new asn1js.Integer({ valueHex: new Uint8Array(bytes[0]! & 0x80 ? [0, ...bytes] : bytes) });
    };
    const list = new pkijs.CertificateRevocationList({
      version: 1,
      issuer: pkijs.Certificate.fromBER(new Uint8Array(issuer.der)).subject,
      thisUpdate: new pkijs.Time({ type: 0, value: thisUpdate }),
      nextUpdate: new pkijs.Time({ type: 0, value: new Date(thisUpdate.getTime() + 7 * DAY) }),
      ...(revoked.length > 0 ? { revokedCertificates: revoked.map((r) => new pkijs.RevokedCertificate({ userCertificate: integer(r.serial), revocationDate: new pkijs.Time({ type: 0, value: r.at }) })) } : {}),
    });
    await list.sign(issuer.keys.privateKey, 'SHA-256', new pkijs.CryptoEngine({ name: 'webcrypto', crypto: globalThis.crypto }));
    return new Uint8Array(list.toSchema(true).toBER());
  }

  return {
    cas,
    anchorsText,
    leaf,
    bulkCrl,
    subCa: async (opts) => makeCa(opts.name, await ecKeys(), opts.issuer, opts),
    crl,
    pem,
    signingKey: (l) => ({ kid: l.kid, alg: l.alg, privateKey: l.privateKey, publicJwk: l.publicJwk }),
  };
}
