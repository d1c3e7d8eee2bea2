/**
 * An independent clock for the log: RFC 3161 time-stamp tokens from a time-stamping authority
 * (TSA) over SHA-256 of a message (a checkpoint), and their verification (timestamp-verify.ts).
 *
 * ASN.1 and CMS are pkijs + asn1js (PeculiarVentures): pure JS over WebCrypto, so the same code
 * runs on Node and Workers, with TimeStampReq/TimeStampResp/TSTInfo, CMS SignedData verification,
 * and an RFC 5280 certificate-path engine that the health PKI's chains will need too.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { digest, failureNames, imprintIs, integer, parseDer, readToken, STATUS } from './timestamp-der.js';

export { verifyTimestamp, type TimestampVerdict } from './timestamp-verify.js';

/** Why a TSA gave no usable token: unreachable, an HTTP error, a refusal, or an answer that is not the one asked for. */
export class TimestampError extends Error {
  override name = 'TimestampError';
}

/** DER TimeStampReq for SHA-256(message): version 1, certReq true, a random 64-bit nonce. */
export async function timestampRequest(message: Uint8Array): Promise<{ der: Uint8Array; nonce: bigint }> {
  const random = globalThis.crypto.getRandomValues(new Uint8Array(8));
  const nonce = random.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1', algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: await digest('SHA-256', message) }),
    }),
    // fromBigInt puts a 0 byte before a high bit set, so the INTEGER stays positive.
    nonce: asn1js.Integer.fromBigInt(nonce),
    certReq: true,
  });
  return { der: new Uint8Array(request.toSchema().toBER()), nonce };
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A TimeStampResp is a few kilobytes; a body far past that is not one. */
const MAX_ANSWER_BYTES = 1 << 20;

const errorText = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? ((e.cause as { code?: string }).code ?? e.cause.message) : undefined;
  return cause ? `${e.message} (${cause})` : e.message;
};

/**
 * POSTs a TimeStampReq for SHA-256(message) to the TSA at `url` (Content-Type
 * application/timestamp-query, RFC 3161 § 3.4) and returns the TimeStampToken (the DER
 * ContentInfo, byte for byte as the TSA sent it) of a granted answer whose TSTInfo carries our
 * nonce and imprint. The token's signature is not checked here: verifyTimestamp does that,
 * against trusted certificates. Throws TimestampError naming the HTTP status, the PKIStatus and
 * failInfo, or the mismatch otherwise. `timeoutMs` (default 10 s) covers the whole exchange.
 */
export async function requestTimestamp(
  url: string,
  message: Uint8Array,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<Uint8Array> {
  const { der, nonce } = await timestampRequest(message);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = opts.fetch ?? globalThis.fetch;
  let response: Response;
  let body: Uint8Array;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: new Uint8Array(der),
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    const timedOut = e instanceof Error && e.name === 'TimeoutError';
    throw new TimestampError(`TSA ${url} ${timedOut ? `did not answer within ${timeoutMs} ms` : `unreachable: ${errorText(e)}`}`, { cause: e });
  }
  if (!response.ok) {
    throw new TimestampError(`TSA ${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  if (body.byteLength > MAX_ANSWER_BYTES) throw new TimestampError(`TSA ${url} answered ${body.byteLength} bytes, too many for a TimeStampResp`);
  return tokenOf(body, { url, nonce, hash: await digest('SHA-256', message), contentType: response.headers.get('content-type') });
}

/** The token of a granted TimeStampResp that answers our request; throws TimestampError otherwise. */
function tokenOf(body: Uint8Array, asked: { url: string; nonce: bigint; hash: Uint8Array; contentType: string | null }): Uint8Array {
  const from = `TSA ${asked.url}`;
  let answer: pkijs.TimeStampResp;
  let tokenDer: Uint8Array | undefined;
  try {
    const schema = parseDer(body, 'the answer', false);
    answer = new pkijs.TimeStampResp({ schema });
    // The token's own bytes, not a re-encoding: its signature covers what the TSA wrote.
    const token = (schema as asn1js.Sequence).valueBlock.value[1];
    if (token) tokenDer = new Uint8Array(token.valueBeforeDecodeView);
  } catch {
    throw new TimestampError(`${from} answered something that is not a TimeStampResp (${body.byteLength} bytes, content-type ${asked.contentType ?? 'none'})`);
  }
  const { status, failInfo, statusStrings } = answer.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const failures = failInfo ? failureNames(failInfo) : [];
    const text = statusStrings?.map((s) => s.valueBlock.value).join('; ');
    throw new TimestampError(
      `${from} refused: PKIStatus ${STATUS[status] ?? 'unknown'} (${status})` +
        (failures.length > 0 ? `, failInfo ${failures.join(', ')}` : '') +
        (text ? `: "${text}"` : ''),
    );
  }
  if (!tokenDer) throw new TimestampError(`${from} granted the request but sent no token`);
  let tstInfo: pkijs.TSTInfo;
  try {
    ({ tstInfo } = readToken(tokenDer));
  } catch (e) {
    throw new TimestampError(`${from} sent an unreadable token: ${errorText(e)}`);
  }
  if (!tstInfo.nonce || integer(tstInfo.nonce) !== asked.nonce) {
    throw new TimestampError(`${from} answered another request: the token's nonce is ${tstInfo.nonce ? integer(tstInfo.nonce) : 'absent'}, ours ${asked.nonce}`);
  }
  if (!imprintIs(tstInfo.messageImprint, asked.hash)) {
    throw new TimestampError(`${from} answered for another message: the token's messageImprint is not SHA-256 of ours`);
  }
  return tokenDer;
}
