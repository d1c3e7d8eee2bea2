/**
 * The test PKI as plain JSON, for a runtime that cannot make certificates itself at the time its
 * configuration is fixed (workerd: ORDO_TRUST_ANCHORS is a binding) and for the shared certified
 * contract (test/contract/certified.ts): the anchors' text, the CAs' CRLs and a few leaves with
 * their private keys as PKCS #8, all made at run time (nothing is committed). Node only.
 */
import type { PkiMaterial, MaterialLeaf } from '../contract/certified.js';
import { makeTestPki, toB64, type LeafOptions } from './pki.js';

const MINUTE = 60_000;

let made: Promise<PkiMaterial> | undefined;

/** Made once per process. */
export function pkiMaterial(): Promise<PkiMaterial> {
  made ??= build();
  return made;
}

async function build(): Promise<PkiMaterial> {
  const pki = await makeTestPki();
  const leaf = async (opts: LeafOptions, kind: MaterialLeaf['kind']): Promise<MaterialLeaf> => {
    const l = await pki.leaf(opts);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', l.privateKey));
    return { id: opts.id, kind, x5c: l.x5c, serial: l.serial, kid: l.kid, alg: l.alg as MaterialLeaf['alg'], publicJwk: l.publicJwk, pkcs8: toB64(pkcs8) };
  };
  const revoked = await leaf({ id: '10999999993', key: 'p256', givenName: 'Paul', surname: 'Révoqué' }, 'prescriber');
  const now = Date.now();
  return {
    anchors: pki.anchorsText,
    crls: {
      root: toB64(await pki.crl('root', [])),
      prescriber: toB64(await pki.crl('prescriber', [])),
      pharmacy: toB64(await pki.crl('pharmacy', [])),
      // Issued after the prescriber CA's list above, revoking `revoked` a minute before it was made.
      revoking: toB64(await pki.crl('prescriber', [{ serial: revoked.serial, at: new Date(now - MINUTE) }], { thisUpdate: new Date(now - 30 * MINUTE) })),
    },
    leaves: {
      prescriber: await leaf({ id: '10999999991', key: 'rsa', givenName: 'Claire', surname: 'Roussel', title: 'médecin' }, 'prescriber'),
      pharmacy: await leaf({ ca: 'pharmacy', id: '750999991', key: 'p256', organizationName: 'Pharmacie du Marché' }, 'pharmacy'),
      revoked,
      foreign: await leaf({ ca: 'other', id: '10999999994', key: 'p256' }, 'prescriber'),
    },
  };
}
