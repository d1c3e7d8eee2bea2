/**
 * Certified practitioners on every runtime (issue 20), through the HTTP surface only: the
 * registrar loads the CAs' lists, an RSA (PS256) prescriber and a P-256 pharmacy enrol with their
 * certificates and no registrar, issue, claim and dispense, and the whole trace verifies offline
 * with the anchors; a certificate of another PKI is refused; a list revoking a certificate stops
 * its key. The PKI is made on Node (test/support/pki-material.ts) and handed over as JSON.
 */
import { describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { exportTrace, verifyBundle } from '../../src/client/bundle.js';
import { certificateCheck } from '../../src/client/certified.js';
import type { OrdoClient } from '../../src/client/client.js';
import { OrdoProblemError } from '../../src/client/errors.js';
import type { SigningKey } from '../../src/client/sign.js';
import { decodeBase64 } from '../../src/log/note.js';

export type MaterialLeaf = { id: string; kind: 'prescriber' | 'pharmacy'; x5c: string[]; serial: string; kid: string; alg: 'PS256' | 'ES256'; publicJwk: JWK; pkcs8: string };
export type PkiMaterial = {
  /** ORDO_TRUST_ANCHORS. */
  anchors: string;
  /** Base64 DER: an empty list of each CA, and a later one of the prescriber CA revoking `leaves.revoked`. */
  crls: Record<'root' | 'prescriber' | 'pharmacy' | 'revoking', string>;
  leaves: Record<'prescriber' | 'pharmacy' | 'revoked' | 'foreign', MaterialLeaf>;
};

const der = (b64: string) => decodeBase64(b64)!;

async function signingKey(l: MaterialLeaf): Promise<SigningKey> {
  const params = l.alg === 'PS256' ? { name: 'RSA-PSS', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await crypto.subtle.importKey('pkcs8', der(l.pkcs8) as Uint8Array<ArrayBuffer>, params, false, ['sign']);
  return { kid: l.kid, alg: l.alg, privateKey, publicJwk: l.publicJwk };
}

/** The problem a call answers, or null when it succeeds. */
const problemOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => {
      if (e instanceof OrdoProblemError) return { status: e.problem.status, code: e.problem.code, reason: (e.problem as { reason?: string }).reason };
      throw e;
    },
  );

export function certifiedSuite(name: string, setup: () => Promise<{ ordo: OrdoClient; pki: PkiMaterial }>) {
  describe(`${name}: certified practitioners`, () => {
    it('the CAs\' lists loaded, an RSA prescriber and a P-256 pharmacy enrol with no registrar, issue, claim and dispense; the trace verifies offline with the anchors', async () => {
      const { ordo, pki } = await setup();
      for (const ca of ['root', 'prescriber', 'pharmacy'] as const) expect((await ordo.loadCrl(der(pki.crls[ca]))).ca).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const doctor = ordo.as({ id: pki.leaves.prescriber.id, key: await signingKey(pki.leaves.prescriber) });
      const pharmacy = ordo.as({ id: pki.leaves.pharmacy.id, key: await signingKey(pki.leaves.pharmacy) });
      const rxEntry = await doctor.enrol({ kind: 'prescriber', x5c: pki.leaves.prescriber.x5c });
      expect(rxEntry).toMatchObject({ id: pki.leaves.prescriber.id, kind: 'prescriber', name: 'Claire Roussel', profession: 'médecin' });
      expect(rxEntry.keys[0]).toMatchObject({ kid: pki.leaves.prescriber.kid, alg: 'PS256', status: 'active' });
      expect((await pharmacy.enrol({ kind: 'pharmacy', x5c: pki.leaves.pharmacy.x5c })).keys[0]).toMatchObject({ alg: 'ES256' });
      const rx = await doctor.prescribe({
        patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
        items: [{ code: { system: 'ATC', value: 'N02BE01' }, label: 'Paracétamol', dosage: '1 g x3', quantity: 1, unit: 'boîte' }],
      });
      const c = await pharmacy.claim(rx.code);
      await pharmacy.dispense(c.claim.id, rx.id, [{ item: 0, quantity: 1 }]);
      const bundle = await exportTrace(ordo, rx.code);
      expect(bundle.events.map((e) => e.type)).toEqual(['issued', 'claimed', 'dispensed']);
      expect(await verifyBundle(bundle, [rx.receipt, c.receipt], await certificateCheck(pki.anchors, bundle))).toEqual({ ok: true, events: 3 });
      expect(await verifyBundle(bundle)).toMatchObject({ ok: false, check: 'certificate' });
    }, 60_000);

    it('refuses a certificate of another PKI with its reason, and writes nothing', async () => {
      const { ordo, pki } = await setup();
      const stranger = ordo.as({ id: pki.leaves.foreign.id, key: await signingKey(pki.leaves.foreign) });
      expect(await problemOf(stranger.enrol({ kind: 'prescriber', x5c: pki.leaves.foreign.x5c }))).toEqual({ status: 422, code: 'certificate_refused', reason: 'untrusted' });
      expect(await problemOf(ordo.directory(pki.leaves.foreign.id))).toMatchObject({ status: 404, code: 'not_found' });
    }, 60_000);

    it('a list revoking a certificate revokes its key at the list\'s date: its next request is refused', async () => {
      const { ordo, pki } = await setup();
      const leaf = pki.leaves.revoked;
      const who = ordo.as({ id: leaf.id, key: await signingKey(leaf) });
      await who.enrol({ kind: 'prescriber', x5c: leaf.x5c });
      expect((await who.list()).items).toEqual([]);
      const loaded = await ordo.loadCrl(der(pki.crls.revoking));
      expect(loaded.revokedKeys).toEqual([{ actorId: leaf.id, kid: leaf.kid, revokedAt: expect.any(String) }]);
      expect(await problemOf(who.list())).toMatchObject({ status: 401, code: 'unauthenticated' });
      expect((await ordo.directory(leaf.id)).keys[0]).toMatchObject({ status: 'revoked', revokedAt: loaded.revokedKeys[0]!.revokedAt });
    }, 60_000);
  });
}
