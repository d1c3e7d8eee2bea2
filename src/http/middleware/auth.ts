/**
 * Authentication of prescribers and pharmacies by signed request tokens, and of the registrar
 * by its bearer token. Cheap checks come first (header length, header allow-list, claims and
 * times, body hash); only then one key read and one signature check. The token's (iss, jti) is
 * recorded by the step it authorises: in the same atomic write for a transition, or with
 * `recordRead` for a read route.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { timingSafeEqual } from '../../crypto/compare.js';
import { sha256, sha256b64url } from '../../crypto/hash.js';
import { parseCompactJws, verifyCompact, type ParsedJws } from '../../crypto/jws.js';
import type { KeyAlg } from '../../crypto/keys.js';
import { strictJwsProblem } from '../../crypto/strict-jws.js';
import { OrdoError } from '../../domain/errors.js';
import { isoAt } from '../../domain/events.js';
import { ACTOR_ID_PATTERN } from '../../domain/formats.js';
import { checkCertifiedKey } from '../../service/certified.js';
import { recordToken } from '../../service/tokens.js';
import type { TokenUse } from '../../store/types.js';
import type { AppEnv } from '../env.js';
import { problemResponse } from '../problem.js';

export type AuthOptions = {
  /** Who may call: one kind, or `actor` for either (the event feed). */
  kind: 'prescriber' | 'pharmacy' | 'actor';
  /** Route parameter that `sub` must equal; `true`: `sub` is required and checked by the handler. */
  sub?: string | true;
  /** Read routes record their `jti` once they succeed. */
  recordRead?: boolean;
};

const MAX_AUTH_HEADER = 8192;
const MAX_LIFETIME = 300;

const unauthenticated = (detail: string) => new OrdoError('unauthenticated', detail);

/** A request token whose claims hold for this request; its signature is still to be checked with the key its `kid` names. */
export type CheckedToken = { token: string; header: ParsedJws['header']; claims: Record<string, unknown> & { iss: string; jti: string }; sub: string | undefined; use: TokenUse };

/**
 * The checks of a request token that need no key (docs/design.md § Request tokens): its form,
 * `iss`, `aud`, `htm`, `htu`, times, `jti`, `bdh` and `sub`. Shared by every signed route and by
 * enrolment, where the key comes from the certificate instead of the directory.
 */
export async function checkRequestToken(c: Context<AppEnv>, opts: Pick<AuthOptions, 'sub'>): Promise<CheckedToken> {
  const { config, clock } = c.var.deps;
  // The server's time (a sandbox's, moved ahead): clients sign on it, correcting their clock by
  // the serverTime of clock_skew and token_expired, so that every trace verifies (design § Sandbox).
  const now = clock();
  const header = c.req.header('authorization');
  if (!header) throw unauthenticated('Send a signed request token: Authorization: Bearer <JWS>.');
  if (header.length > MAX_AUTH_HEADER) throw unauthenticated('Authorization header too long.');
  const token = /^Bearer (.+)$/.exec(header)?.[1];
  if (!token) throw unauthenticated('Authorization must be "Bearer <JWS>".');
  const parsed = parseCompactJws(token, 'ordo-req+jwt', MAX_AUTH_HEADER);
  if (typeof parsed === 'string') throw unauthenticated(`Request token refused: ${parsed}.`);
  const { header: h, payload: p } = parsed;

  if (typeof p.iss !== 'string' || !ACTOR_ID_PATTERN.test(p.iss)) throw unauthenticated('Request token: iss must be your actor id.');
  if (p.aud !== config.issuer) throw unauthenticated(`Request token: aud must be ${config.issuer}.`);
  if (p.htm !== c.req.method) throw unauthenticated(`Request token: htm must be ${c.req.method}.`);
  if (p.htu !== c.req.path) throw unauthenticated(`Request token: htu must be ${c.req.path} (path only).`);
  if (!Number.isSafeInteger(p.iat) || !Number.isSafeInteger(p.exp)) throw unauthenticated('Request token: iat and exp must be whole seconds.');
  const iat = p.iat as number;
  const exp = p.exp as number;
  if (exp < iat || exp - iat > MAX_LIFETIME) throw unauthenticated(`Request token: lifetime (exp - iat) must be at most ${MAX_LIFETIME} s.`);
  const nowSec = now / 1000;
  if (iat > nowSec + config.skew) {
    throw new OrdoError('clock_skew', 'Your clock is ahead of the server: set it right and sign again.', { serverTime: isoAt(now) });
  }
  if (exp < nowSec - config.skew) throw new OrdoError('token_expired', 'The request token has expired: sign a new one.', { serverTime: isoAt(now) });
  if (typeof p.jti !== 'string' || p.jti.length < 16 || p.jti.length > 128) throw unauthenticated('Request token: jti must be 16 to 128 characters.');
  const raw = c.var.rawBody;
  if (raw.length > 0 || p.bdh !== undefined) {
    if (typeof p.bdh !== 'string' || p.bdh !== (await sha256b64url(raw))) throw unauthenticated('Request token: bdh does not match the body sent.');
  }
  const sub = p.sub === undefined ? undefined : typeof p.sub === 'string' ? p.sub : null;
  if (sub === null) throw unauthenticated('Request token: sub must be a string.');
  if (opts.sub !== undefined) {
    if (sub === undefined) throw unauthenticated('Request token: sub is required on this route.');
    if (typeof opts.sub === 'string' && sub !== c.req.param(opts.sub)) throw unauthenticated('Request token: sub does not name this prescription.');
  }
  const use = { iss: p.iss, jti: p.jti, expiresAt: (exp + config.skew) * 1000 };
  return { token, header: h, claims: p as CheckedToken['claims'], sub, use };
}

/** Checks the token's signature with `key`, its alg pinned to the key's own; 401 otherwise. */
export async function checkSignature(c: Context<AppEnv>, token: string, alg: string, key: { kid: string; jwk: string; alg: KeyAlg }) {
  if (key.alg !== alg) throw unauthenticated(`Request token: this key signs with ${key.alg}, not ${alg}.`);
  // After the alg is pinned to the key: low-S is a rule of ES256 signatures only.
  const notStrict = strictJwsProblem(token, key.alg);
  if (notStrict) throw unauthenticated(`Request token refused: ${notStrict}.`);
  if (!(await verifyCompact(c.var.deps.crypto, token, key))) throw unauthenticated('Request token: bad signature.');
}

export function requireActor(opts: AuthOptions): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const { store, clock } = c.var.deps;
    const { token, header: h, claims: p, sub, use } = await checkRequestToken(c, opts);

    const found = await store.getSigningKey(p.iss, h.kid);
    if (!found) throw unauthenticated('Request token: no such key for this actor in the directory.');
    const { actor, key } = found;
    if (key.revokedAt !== null && Date.parse(key.revokedAt) <= clock()) throw unauthenticated('Request token: this key has been revoked.');
    await checkCertifiedKey(c.var.deps, key);
    await checkSignature(c, token, h.alg, key);
    if (actor.status !== 'active') throw new OrdoError('forbidden', 'This actor is suspended.');
    if (opts.kind !== 'actor' && actor.kind !== opts.kind) throw new OrdoError('forbidden', `Only a ${opts.kind} may do this.`);

    c.set('caller', { actor, kid: key.kid, alg: key.alg, token, sub, use });
    await next();
    if (opts.recordRead && c.res.status < 400) {
      try {
        await recordToken(c.var.deps, use);
      } catch (err) {
        if (!(err instanceof OrdoError)) throw err;
        c.res = problemResponse(c, err);
      }
    }
  };
}

/** The registrar: `Authorization: Bearer <ORDO_ADMIN_TOKEN>`, compared in constant time. */
export function requireRegistrar(): MiddlewareHandler<AppEnv> {
  return async function authenticateRegistrar(c, next) {
    const header = c.req.header('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    // Hashing both sides first makes the comparison length-independent.
    const ok = timingSafeEqual(await sha256(given), await sha256(c.var.deps.keys.adminToken));
    if (!given || !ok) throw new OrdoError('unauthenticated', 'Registrar routes need Authorization: Bearer <ORDO_ADMIN_TOKEN>.');
    await next();
  };
}
