/**
 * Verification of an RFC 3161 TimeStampToken over a message, against trusted TSA certificates.
 *
 * Checked, in this order (the first failure is the reason given):
 *  1. the token is a ContentInfo holding CMS SignedData holding a version 1 TSTInfo, in DER
 *     (one encoding: asn1js alone would read a wrong length as a warning), nothing after it;
 *  2. the TSTInfo's messageImprint is SHA-256 and equals SHA-256(message);
 *  3. there is exactly one SignerInfo; the fields no signature covers have one form (versions,
 *     digestAlgorithms, algorithm parameters); the signer's certificate (by its sid) is among
 *     those the token embeds or, when it embeds none, among the trusted ones;
 *  4. the CMS signature (pkijs SignedData.verify): the message-digest attribute is the digest of
 *     the TSTInfo, the signature over the signed attributes verifies under that certificate's
 *     key (RSA, RSASSA-PSS or ECDSA, an ECDSA value held to DER); and the content-type
 *     attribute is id-ct-TSTInfo;
 *  5. a signing-certificate attribute (ESS v1 or v2, RFC 3161 § 2.4.1, RFC 5816) binds that
 *     certificate: its first certHash is the certificate's hash, so no other certificate with the
 *     same key or name can stand in for it;
 *  6. the certificate has one extendedKeyUsage extension, critical, with timeStamping as its only
 *     purpose (RFC 3161 § 2.3);
 *  7. it was valid at genTime (notBefore ≤ genTime ≤ notAfter);
 *  8. it is itself one of the trusted certificates (direct trust), or a path from it to a trusted
 *     certificate validates at genTime under RFC 5280 (pkijs CertificateChainValidationEngine:
 *     each signature, each certificate's validity, name chaining, issuers being CAs with
 *     keyCertSign, policies and name constraints), through certificates the token embeds;
 *  9. when the TSTInfo names the TSA as a directory name, that name is the certificate's subject.
 * Not checked: revocation (no CRL or OCSP is fetched or read), the nonce (requestTimestamp checks
 * it against its request), genTime against a local clock, and the accuracy.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  bytesEqual, certificateDer, digest, DIGESTS, engine, generalNameText, imprintIs, integer, OID, parseDer, readCertificates, readToken,
} from './timestamp-der.js';

/** The outcome of verifyTimestamp: when the token says the message existed, or why it proves nothing. */
export type TimestampVerdict =
  | { ok: true; genTime: Date; serial: string; tsa?: string; policy: string }
  | { ok: false; reason: string };

/**
 * Verifies `token` (a DER TimeStampToken) for `message` against `trusted` TSA or CA certificates
 * (PEM text, possibly several blocks, or DER bytes); the signer's certificate may be embedded in
 * the token or be one of `trusted`. See the module comment for what is checked. `serial` is the
 * token's serial number in lower-case hex, `tsa` the name the token gives its TSA, `policy` its
 * policy OID. Never throws: unreadable input of any kind is `{ ok: false, reason }`.
 */
export async function verifyTimestamp(token: Uint8Array, message: Uint8Array, trusted: (string | Uint8Array)[]): Promise<TimestampVerdict> {
  try {
    return await verify(token, message, trusted);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

function refuse(reason: string): never {
  throw new Error(reason);
}

async function verify(token: Uint8Array, message: Uint8Array, trustedInput: (string | Uint8Array)[]): Promise<TimestampVerdict> {
  // pkijs's TSTInfo check refuses empty detached data, and a checkpoint is never empty.
  if (message.byteLength === 0) refuse('the message is empty');
  const trusted = readCertificates(trustedInput);
  if (trusted.length === 0) refuse('no trusted certificate was given');
  const { signedData, tstInfo } = readToken(token);
  if (!imprintIs(tstInfo.messageImprint, await digest('SHA-256', message))) {
    refuse('the token is for another message: its messageImprint is not SHA-256 of this one');
  }
  const [signerInfo, ...others] = signedData.signerInfos;
  if (!signerInfo || others.length > 0) refuse(`the token has ${signedData.signerInfos.length} signers, not one`);
  checkUnsignedFields(signedData, signerInfo);
  const embedded = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);

  const signer = await checkSignature(signedData, embedded, trusted, message);
  checkEcdsaValue(signerInfo, signer);
  const attributes = signerInfo.signedAttrs?.attributes ?? [];
  const contentType = attributes.find((a) => a.type === OID.contentTypeAttr)?.values[0];
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.getValue() !== OID.tstInfo) {
    refuse('the content-type attribute is not id-ct-TSTInfo');
  }
  await checkSigningCertificate(attributes, signer);
  checkTimeStampingUsage(signer);

  const genTime = tstInfo.genTime;
  if (!(genTime instanceof Date) || Number.isNaN(genTime.getTime())) refuse('the TSTInfo has no readable genTime');
  if (genTime < signer.notBefore.value || genTime > signer.notAfter.value) {
    refuse(`the signer's certificate was not valid at genTime ${genTime.toISOString()} (valid ${signer.notBefore.value.toISOString()} to ${signer.notAfter.value.toISOString()})`);
  }
  await checkTrust(signer, embedded, trusted, genTime);

  const tsa = tstInfo.tsa;
  if (tsa?.type === 4 && tsa.value instanceof pkijs.RelativeDistinguishedNames && !tsa.value.isEqual(signer.subject)) {
    refuse(`the token names its TSA "${generalNameText(tsa)}", not the subject of its signer's certificate`);
  }
  return {
    ok: true,
    genTime,
    serial: integer(tstInfo.serialNumber).toString(16),
    policy: tstInfo.policy,
    ...(tsa ? { tsa: generalNameText(tsa) } : {}),
  };
}

const RSASSA_PSS = '1.2.840.113549.1.1.10';

/** Parameters absent or NULL (RFC 5754, RFC 4055), or RSASSA-PSS's own. */
const plainParameters = (algorithm: pkijs.AlgorithmIdentifier): boolean =>
  algorithm.algorithmParams === undefined ||
  algorithm.algorithmParams instanceof asn1js.Null ||
  (algorithm.algorithmId === RSASSA_PSS && algorithm.algorithmParams instanceof asn1js.Sequence);

/**
 * Step 3, the fields the signature does not cover, held to one form so that a token has one
 * encoding: SignedData version 3 (RFC 5652 § 5.1), SignerInfo version 1 with an issuer and
 * serial or 3 with a key id, its digest among digestAlgorithms, algorithm parameters plain.
 */
function checkUnsignedFields(signedData: pkijs.SignedData, signerInfo: pkijs.SignerInfo): void {
  if (signedData.version !== 3) refuse(`the SignedData has version ${signedData.version}, not 3`);
  const bySerial = signerInfo.sid instanceof pkijs.IssuerAndSerialNumber;
  if (signerInfo.version !== (bySerial ? 1 : 3)) refuse(`the SignerInfo has version ${signerInfo.version}, not ${bySerial ? 1 : 3}`);
  const { digestAlgorithm, signatureAlgorithm } = signerInfo;
  if (!signedData.digestAlgorithms.some((a) => a.algorithmId === digestAlgorithm.algorithmId)) {
    refuse("the SignedData's digestAlgorithms do not list its signer's");
  }
  if (![...signedData.digestAlgorithms, digestAlgorithm, signatureAlgorithm].every(plainParameters)) {
    refuse('an algorithm identifier of the token has unexpected parameters');
  }
}

/** Step 4: the CMS signature under the signer's certificate, which this returns. */
async function checkSignature(
  signedData: pkijs.SignedData,
  embedded: pkijs.Certificate[],
  trusted: pkijs.Certificate[],
  message: Uint8Array,
): Promise<pkijs.Certificate> {
  // pkijs looks the signer up among SignedData's certificates. A TSA asked for its certificate
  // must embed it (RFC 3161 § 2.4.1, certReq), so one that embeds any is held to its own; only a
  // token without certificates is matched against the trusted ones.
  signedData.certificates = embedded.length > 0 ? embedded : trusted;
  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signedData.verify({ signer: 0, data: new Uint8Array(message).buffer, checkChain: false, extendedMode: true }, engine);
  } catch (e) {
    if (e instanceof pkijs.SignedDataVerifyError && e.code === 3) {
      refuse(embedded.length > 0 ? "the signer's certificate is not among those the token embeds" : "the signer's certificate is neither in the token nor trusted");
    }
    refuse(`the CMS signature does not verify: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!result.signatureVerified || !result.signerCertificate) refuse('the CMS signature does not verify');
  return result.signerCertificate;
}

/** Bits of the order of the named curves WebCrypto knows (P-256, P-384, P-521). */
const CURVE_BITS: Record<string, number> = { '1.2.840.10045.3.1.7': 256, '1.3.132.0.34': 384, '1.3.132.0.35': 521 };

/**
 * An ECDSA signature is DER inside the OCTET STRING, which the token's DER check does not reach,
 * and pkijs reads it loosely (any tag, r and s cut to the curve's size): hold it to
 * SEQUENCE { r INTEGER, s INTEGER } with 0 < r, s < 2^bits, so it too has one form.
 */
function checkEcdsaValue(signerInfo: pkijs.SignerInfo, signer: pkijs.Certificate): void {
  if (!signerInfo.signatureAlgorithm.algorithmId.startsWith('1.2.840.10045.4.')) return;
  const curve = signer.subjectPublicKeyInfo.algorithm.algorithmParams;
  const bits = curve instanceof asn1js.ObjectIdentifier ? CURVE_BITS[curve.getValue()] : undefined;
  if (!bits) refuse("the signer's certificate has an ECDSA key on an unknown curve");
  const value = parseDer(signerInfo.signature.valueBlock.valueHexView, 'the ECDSA signature');
  const parts = value instanceof asn1js.Sequence ? value.valueBlock.value : [];
  const ok = parts.length === 2 && parts.every((p) => p instanceof asn1js.Integer && p.toBigInt() > 0n && p.toBigInt() < 1n << BigInt(bits));
  if (!ok) refuse('the ECDSA signature is not SEQUENCE { r, s } of integers in range');
}

const elements = (value: unknown): asn1js.AsnType[] =>
  value instanceof asn1js.Sequence ? value.valueBlock.value : refuse('the signing-certificate attribute is not well formed');

/**
 * Step 5. SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, … } with
 * ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), … }; SigningCertificateV2 the same
 * with ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, … }. The first
 * ESSCertID is the signer's (RFC 2634 § 5.4).
 */
async function checkSigningCertificate(attributes: pkijs.Attribute[], signer: pkijs.Certificate): Promise<void> {
  const found = attributes.filter((a) => a.type === OID.signingCertificate || a.type === OID.signingCertificateV2);
  if (found.length === 0) refuse('the token has no signing-certificate attribute (RFC 3161 § 2.4.1)');
  const der = certificateDer(signer);
  for (const attribute of found) {
    const first = elements(elements(elements(attribute.values[0])[0])[0]);
    let algorithm = attribute.type === OID.signingCertificate ? 'SHA-1' : 'SHA-256';
    let hash = first[0];
    if (attribute.type === OID.signingCertificateV2 && hash instanceof asn1js.Sequence) {
      const oid = elements(hash)[0];
      algorithm = (oid instanceof asn1js.ObjectIdentifier ? DIGESTS[oid.getValue()] : undefined) ?? refuse('the signing-certificate attribute names an unknown digest');
      hash = first[1];
    }
    if (!(hash instanceof asn1js.OctetString)) refuse('the signing-certificate attribute is not well formed');
    if (!bytesEqual((hash as asn1js.OctetString).valueBlock.valueHexView, await digest(algorithm, der))) {
      refuse("the signing-certificate attribute names another certificate than the signer's");
    }
  }
}

/** Step 6: extendedKeyUsage present once, critical, timeStamping alone (RFC 3161 § 2.3). */
function checkTimeStampingUsage(signer: pkijs.Certificate): void {
  const usages = (signer.extensions ?? []).filter((e) => e.extnID === OID.extKeyUsage);
  if (usages.length !== 1) refuse(`the signer's certificate has ${usages.length} extendedKeyUsage extensions, not one`);
  const usage = usages[0]!;
  if (!usage.critical) refuse("the signer's certificate's extendedKeyUsage is not critical");
  const purposes = usage.parsedValue instanceof pkijs.ExtKeyUsage ? usage.parsedValue.keyPurposes : [];
  if (purposes.length !== 1 || purposes[0] !== OID.timeStamping) {
    refuse(`the signer's certificate's extendedKeyUsage is ${purposes.join(', ') || 'unreadable'}, not timeStamping alone`);
  }
}

/** Step 8: direct trust, or an RFC 5280 path to a trusted certificate, valid at genTime. */
async function checkTrust(signer: pkijs.Certificate, embedded: pkijs.Certificate[], trusted: pkijs.Certificate[], genTime: Date): Promise<void> {
  const der = certificateDer(signer);
  if (trusted.some((t) => bytesEqual(certificateDer(t), der))) return;
  // The engine takes the last of `certs` as the end of the path: the signer, after the token's others.
  const others = embedded.filter((c) => !bytesEqual(certificateDer(c), der));
  const chain = new pkijs.CertificateChainValidationEngine({ trustedCerts: trusted, certs: [...others, signer], checkDate: genTime });
  const result = await chain.verify({}, engine);
  if (!result.result) refuse(`the signer's certificate does not chain to a trusted certificate (${result.resultMessage})`);
}
