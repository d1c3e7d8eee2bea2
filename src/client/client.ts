/**
 * A typed client for Ordo on `fetch`, the same in Node, browsers and Workers. It signs request
 * tokens (fresh `jti`, `sub` when acting on a prescription, `bdh` over the exact body sent),
 * builds and signs prescriptions and dispensing records, and surfaces problems as
 * `OrdoProblemError`.
 */
import { base64url, type JWK } from 'jose';
import { randomBytes } from '../crypto/hash.js';
import { parseCode } from '../domain/code.js';
import type {
  V1AddedKey,
  V1CheckpointRecord,
  V1Inclusion,
  V1Claimed,
  V1ClaimRequest,
  V1CancelRequest,
  V1Code,
  V1CodeRequest,
  V1CorrectRequest,
  V1DataMatrixRequest,
  V1DirectoryEntry,
  V1DirectoryKey,
  V1Dispensed,
  V1DispenseRequest,
  V1Extended,
  V1ExtendRequest,
  V1HeldClaims,
  V1IssueRequest,
  V1Issued,
  V1Jwks,
  V1ListQuery,
  V1Lookup,
  V1LookupRequest,
  V1NewActor,
  V1NewKey,
  V1PrescriberView,
  V1PrescriptionPage,
  V1ReleaseRequest,
  V1Remaining,
  V1Status,
  V1StatusReceipt,
  V1CrlLoaded,
  V1Enrol,
} from '../contract/index.js';
import type { V1FeedEvent, V1FeedPage, V1FeedQuery } from '../contract/feed.js';
import { OrdoProblemError, type Problem } from './errors.js';
import { signDocument, signRequestToken, type SigningKey } from './sign.js';

export type Actor = { id: string; key: SigningKey };
export type ClientOptions = {
  /** Where Ordo is, e.g. http://localhost:8787. */
  url: string;
  /** ORDO_ISSUER, the `aud` of tokens and documents; defaults to `url`. */
  issuer?: string;
  actor?: Actor;
  adminToken?: string;
  fetch?: typeof fetch;
  /**
   * The server's time less this machine's, in ms: learnt from the `serverTime` of a
   * `clock_skew` or `token_expired` problem (the request is then signed again and sent once
   * more), or by `syncClock()`. Shared by the clients `as()` makes. A sandbox's clock runs ahead.
   */
  clockOffset?: { ms: number };
};
// Response types come from the contract (src/contract), as types only: no zod in the pages'
// bundles. These are the names the CLI, the pages and the tests use.
export type Remaining = V1Remaining;
export type Issued = V1Issued;
export type Claimed = V1Claimed;
export type Lookup = V1Lookup;
export type DirectoryEntry = V1DirectoryEntry;
export type PrescriberView = V1PrescriberView;
/** `list`'s query. `state` takes any text so that callers passing user input (the CLI) let the server refuse it with a 400. */
export type ListQuery = Omit<V1ListQuery, 'state'> & { state?: V1Status | (string & {}) };
/** A line of a dispensing record (signed into the record, not a body of its own). */
export type DispenseLineInput = { item: number; quantity: number; substitution?: { type: 'generic' | 'biosimilar' | 'other'; reason?: string } | null; lot?: string; expiry?: string; reason?: 'out_of_stock' | 'patient_refused' | 'already_supplied' | 'intervention' | null; dispensed?: { system: string; value: string }; note?: string };

type SendOptions = { body?: unknown; bytes?: { data: Uint8Array; type: string }; build?: (nowSec: number) => Promise<unknown>; auth?: 'actor' | 'admin' | 'none'; sub?: string; raw?: boolean; signal?: AbortSignal };

const newJti = (prefix: string) => `${prefix}-${base64url.encode(randomBytes(12))}`;
/** The salt of a confidential body (cancel, release): 16 fresh random bytes, base64url. */
const newSalt = () => base64url.encode(randomBytes(16));

export class OrdoClient {
  readonly url: string;
  readonly issuer: string;
  readonly #fetch: typeof fetch;
  readonly #offset: { ms: number };

  constructor(readonly opts: ClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.issuer = (opts.issuer ?? this.url).replace(/\/+$/, '');
    this.#fetch = opts.fetch ?? fetch.bind(globalThis);
    this.#offset = opts.clockOffset ?? { ms: 0 };
  }

  /** Same client acting as another actor (sharing what it learnt of the server's clock). */
  as(actor: Actor): OrdoClient {
    return new OrdoClient({ ...this.opts, clockOffset: this.#offset, actor });
  }

  /** The server's time as far as this client knows it (epoch ms): what it signs with. */
  now = () => Date.now() + this.#offset.ms;

  /** Learns the server's time before signing anything: a sandbox's (`/healthz` says it), else this machine's. */
  async syncClock(): Promise<void> {
    const health = await this.#send<{ sandbox?: { now?: unknown } }>('GET', '/healthz', { auth: 'none' }).catch(() => undefined);
    const server = typeof health?.sandbox?.now === 'string' ? Date.parse(health.sandbox.now) : NaN;
    this.#offset.ms = Number.isFinite(server) ? server - Date.now() : 0;
  }

  /**
   * Sends a request, signed on the server's time; a `clock_skew` or `token_expired` answer
   * carrying `serverTime` corrects that time and the request is signed and sent once more.
   * `build` makes a body that holds signed times (a document's `iat`), from the time to sign with.
   */
  async #send<T>(method: string, path: string, o: SendOptions = {}): Promise<T> {
    try {
      return await this.#sendOnce<T>(method, path, o);
    } catch (err) {
      const p = err instanceof OrdoProblemError ? err.problem : undefined;
      const server = typeof p?.serverTime === 'string' ? Date.parse(p.serverTime) : NaN;
      if (o.auth === 'admin' || o.auth === 'none' || (p?.code !== 'clock_skew' && p?.code !== 'token_expired') || !Number.isFinite(server)) throw err;
      this.#offset.ms = server - Date.now();
      return this.#sendOnce<T>(method, path, o);
    }
  }

  async #sendOnce<T>(method: string, path: string, o: SendOptions): Promise<T> {
    const nowSec = Math.floor(this.now() / 1000);
    const value = o.build ? await o.build(nowSec) : o.body;
    const body = o.bytes ? o.bytes.data : value === undefined ? undefined : JSON.stringify(value);
    const headers: Record<string, string> = o.bytes ? { 'content-type': o.bytes.type } : body === undefined ? {} : { 'content-type': 'application/json' };
    if (o.auth === 'admin') {
      if (!this.opts.adminToken) throw new Error('this call needs the registrar token (ORDO_ADMIN_TOKEN)');
      headers.authorization = `Bearer ${this.opts.adminToken}`;
    } else if (o.auth !== 'none') {
      const actor = this.opts.actor;
      if (!actor) throw new Error('this call needs an actor: a key and an id');
      headers.authorization = `Bearer ${await signRequestToken({ key: actor.key, iss: actor.id, aud: this.issuer, method, path: path.split('?')[0]!, body, sub: o.sub, now: nowSec })}`;
    }
    const res = await this.#fetch(`${this.url}${path}`, { method, headers, body: body as BodyInit | undefined, ...(o.signal && { signal: o.signal }) });
    if (!res.ok) {
      const type = res.headers.get('content-type') ?? '';
      const problem = type.includes('json') ? ((await res.json()) as Problem) : { type: 'about:blank', title: res.statusText, status: res.status, detail: await res.text(), code: 'http_error' };
      throw new OrdoProblemError(problem);
    }
    if (o.raw) return new Uint8Array(await res.arrayBuffer()) as T;
    return (await res.json()) as T;
  }

  // Public
  jwks = () => this.#send<V1Jwks>('GET', '/.well-known/jwks.json', { auth: 'none' });
  directory = (id: string) => this.#send<V1DirectoryEntry>('GET', `/v1/directory/${encodeURIComponent(id)}`, { auth: 'none' });
  /** The DER of the revocation list Ordo keeps for a CA (a certified key's `cas`); a problem 404 when none. */
  crl = (ca: string) => this.#send<Uint8Array>('GET', `/v1/directory/crls/${encodeURIComponent(ca)}`, { auth: 'none', raw: true });
  // The transparency log
  logKey = async () => (await this.#text('/.well-known/ordo-log-key')).trim();
  logCheckpoint = () => this.#text('/log/checkpoint');
  logCheckpointRecord = (size: number) => this.#send<V1CheckpointRecord>('GET', `/log/checkpoints/${size}`, { auth: 'none' });
  inclusionProof = (index: number, size: number) => this.#send<V1Inclusion>('GET', `/log/proof/inclusion?index=${index}&size=${size}`, { auth: 'none' });
  async #text(path: string): Promise<string> {
    return new TextDecoder().decode(await this.#send<Uint8Array>('GET', path, { auth: 'none', raw: true }));
  }

  // Registrar
  addActor = (a: V1NewActor) => this.#send<V1DirectoryEntry>('POST', '/v1/admin/actors', { body: a, auth: 'admin' });
  addKey = (id: string, jwk: JWK) =>
    this.#send<V1AddedKey>('POST', `/v1/admin/actors/${encodeURIComponent(id)}/keys`, { body: { jwk } satisfies V1NewKey, auth: 'admin' });
  revokeKey = (id: string, kid: string) => this.#send<V1DirectoryKey>('POST', `/v1/admin/actors/${encodeURIComponent(id)}/keys/${kid}/revoke`, { auth: 'admin' });
  suspend = (id: string) => this.#send<V1DirectoryEntry>('POST', `/v1/admin/actors/${encodeURIComponent(id)}/suspend`, { auth: 'admin' });
  /** A CA's revocation list, DER (or PEM text as bytes, `type` application/x-pem-file). */
  loadCrl = (crl: Uint8Array, type = 'application/pkix-crl') => this.#send<V1CrlLoaded>('POST', '/v1/admin/crl', { bytes: { data: crl, type }, auth: 'admin' });
  /** Enrolment by certificate: the actor's id is the one its certificate names, its key the certified key. */
  enrol = (e: V1Enrol) => this.#send<V1DirectoryEntry>('POST', '/v1/enrol', { body: e });
  reinstate = (id: string) => this.#send<V1DirectoryEntry>('POST', `/v1/admin/actors/${encodeURIComponent(id)}/reinstate`, { auth: 'admin' });

  // Prescriber
  /** Signs and sends a prescription; iss, aud, jti and iat are filled in unless given. */
  async prescribe(doc: Record<string, unknown>, opts: Omit<V1IssueRequest, 'prescription'> = {}): Promise<V1Issued> {
    const actor = this.#actor();
    const jti = newJti('rx');
    const build = async (iat: number) => {
      const prescription = await signDocument(actor.key, 'ordo-rx+jwt', { iss: actor.id, aud: this.issuer, jti, iat, ...doc });
      return { prescription, ...opts } satisfies V1IssueRequest;
    };
    return this.#send<V1Issued>('POST', '/v1/prescriptions', { build });
  }
  list = (q: ListQuery = {}) => this.#send<V1PrescriptionPage>('GET', `/v1/prescriptions${queryOf(q)}`);
  get = (id: string) => this.#send<V1PrescriberView>('GET', `/v1/prescriptions/${id}`, { sub: id });
  reprint = (id: string, o: V1CodeRequest = {}) => this.#send<V1Code>('POST', `/v1/prescriptions/${id}/code`, { body: o, sub: id });
  /** The body carries a fresh salt: the request token, stored in clear as the event's proof, then reveals nothing of the reason. */
  cancel = (id: string, reason: string) =>
    this.#send<V1StatusReceipt>('POST', `/v1/prescriptions/${id}/cancel`, { body: { reason, salt: newSalt() } satisfies V1CancelRequest, sub: id });

  // Pharmacy
  claim(code: string, ttl?: number): Promise<V1Claimed> {
    return this.#send<V1Claimed>('POST', '/v1/claims', { body: { code, ...(ttl !== undefined && { ttl }) } satisfies V1ClaimRequest, sub: prescriptionIdOf(code) });
  }
  /** Signs a dispensing record for the claim and sends it. */
  async dispense(claimId: string, prescriptionId: string, lines: DispenseLineInput[], extra: Record<string, unknown> = {}) {
    const actor = this.#actor();
    const jti = newJti('d');
    const build = async (iat: number) => {
      const record = { iss: actor.id, aud: this.issuer, jti, iat, prescription: prescriptionId, claim: claimId, lines: lines.map((l) => ({ substitution: null, reason: null, ...l })), ...extra };
      return { dispensation: await signDocument(actor.key, 'ordo-dispense+jwt', record) } satisfies V1DispenseRequest;
    };
    return this.#send<V1Dispensed>('POST', `/v1/claims/${claimId}/dispense`, { build, sub: prescriptionId });
  }
  /**
   * Signs a correction of your dispensing record under the claim and sends it: `lines` replace the
   * whole record in force, `corrects` is its event index (the `dispensed` event, or the latest
   * correction). Within 24 hours of the dispense.
   */
  async correct(claimId: string, prescriptionId: string, corrects: number, lines: DispenseLineInput[], extra: Record<string, unknown> = {}): Promise<V1Dispensed> {
    const actor = this.#actor();
    const jti = newJti('d');
    const build = async (iat: number) => {
      const record = { iss: actor.id, aud: this.issuer, jti, iat, prescription: prescriptionId, claim: claimId, corrects, lines: lines.map((l) => ({ substitution: null, reason: null, ...l })), ...extra };
      return { dispensation: await signDocument(actor.key, 'ordo-dispense+jwt', record) } satisfies V1CorrectRequest;
    };
    return this.#send<V1Dispensed>('POST', `/v1/claims/${claimId}/correct`, { build, sub: prescriptionId });
  }
  /** The reason is not stored; the body carries a fresh salt all the same, so that the stored request token's `bdh` reveals nothing. */
  release = (claimId: string, prescriptionId: string, reason?: string) =>
    this.#send<V1StatusReceipt>('POST', `/v1/claims/${claimId}/release`, { body: { ...(reason && { reason }), salt: newSalt() } satisfies V1ReleaseRequest, sub: prescriptionId });
  /** Your held prescriptions (open claims), soonest expiry first; follow `nextCursor` until null. */
  heldClaims = (q: { limit?: number; cursor?: string } = {}) => this.#send<V1HeldClaims>('GET', `/v1/claims${queryOf(q)}`);
  /** Holds your claim `ttl` seconds from now, without the code (renewed only when that is at least ORDO_CLAIM_TTL longer). */
  extend = (claimId: string, prescriptionId: string, ttl: number) =>
    this.#send<V1Extended>('POST', `/v1/claims/${claimId}/extend`, { body: { ttl } satisfies V1ExtendRequest, sub: prescriptionId });

  // Prescriber or pharmacy: the event feed
  /** One page of your events after `after` (long polling with `wait`, in seconds). */
  feedPage = (q: V1FeedQuery = {}, signal?: AbortSignal) => this.#send<V1FeedPage>('GET', `/v1/feed${queryOf(q)}`, { signal });
  /**
   * Your events after `after` (a cursor: an event's `seq`), as they come, each once: long polls
   * of `wait` seconds (25), the cursor followed. A network failure or an answer of 429 or 5xx is
   * retried after 1, 2, 4 … 30 s; any other problem ends it by throwing. Stop with `signal` or `break`.
   */
  async *feed(o: { after?: string; wait?: number; limit?: number; signal?: AbortSignal } = {}): AsyncGenerator<V1FeedEvent> {
    let after = o.after ?? '0';
    for (let failures = 0; !o.signal?.aborted; ) {
      let page: V1FeedPage;
      try {
        page = await this.feedPage({ after, wait: o.wait ?? 25, ...(o.limit !== undefined && { limit: o.limit }) }, o.signal);
        failures = 0;
      } catch (err) {
        if (o.signal?.aborted) return;
        // fetch's network failures are TypeErrors; a problem is retried only when it says "later".
        const status = err instanceof OrdoProblemError ? err.problem.status : 0;
        if (!(err instanceof TypeError) && status !== 429 && status < 500) throw err;
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** failures++)));
        continue;
      }
      for (const e of page.events) yield e;
      after = page.cursor;
    }
  }

  // Code holder
  lookup = (code: string) => this.#send<V1Lookup>('POST', '/v1/lookup', { body: { code } satisfies V1LookupRequest, auth: 'none' });
  /** FHIR R4 (docs/fhir.md): the code holder's Bundle, the code in the body as for `lookup`; `fhir(id)` is the prescriber's. */
  lookupFhir = (code: string) => this.#send<import('../contract/fhir.js').V1FhirBundle>('POST', '/v1/lookup/fhir', { body: { code } satisfies V1LookupRequest, auth: 'none' });
  fhir = (id: string) => this.#send<import('../contract/fhir.js').V1FhirBundle>('GET', `/v1/prescriptions/${id}/fhir`, { sub: id });
  /** The DataMatrix image itself: SVG text or PNG, as bytes. */
  datamatrix = (code: string, format: V1DataMatrixRequest['format']) =>
    this.#send<Uint8Array>('POST', '/v1/datamatrix', { body: { code, format } satisfies V1DataMatrixRequest, auth: 'none', raw: true });

  #actor(): Actor {
    if (!this.opts.actor) throw new Error('this call needs an actor: a key and an id');
    return this.opts.actor;
  }
}

/** `?a=1&b=2` of the members given, or nothing. */
function queryOf(q: Record<string, unknown>): string {
  const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
  return qs ? `?${qs}` : '';
}

/** The prescription id (first 16 symbols) of a code in any accepted form. */
export function prescriptionIdOf(code: string): string {
  const parsed = parseCode(code);
  if (!parsed.ok) throw new Error(parsed.reason === 'bad_check' ? 'this code was mistyped: its check character is wrong' : 'not a prescription code');
  return parsed.idText;
}
