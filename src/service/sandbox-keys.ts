/**
 * SANDBOX TEST KEYS — PUBLIC, NEVER USE IN PRODUCTION.
 *
 * The test actors every sandbox (ORDO_SANDBOX=1) is seeded with, and their private keys: the
 * same as sandbox/SANDBOX-TEST-KEYS-PUBLIC-NEVER-USE-IN-PRODUCTION.json, which integrators use
 * (test/unit/sandbox-keys.test.ts holds the two equal). Here as code so that both runtimes bundle
 * them (Workers cannot read a file). Anyone can sign with them: outside a sandbox Ordo refuses
 * them as actor keys (`refuseSandboxKeys`).
 */
import { OrdoError } from '../domain/errors.js';

export type SandboxActor = {
  id: string;
  kind: 'prescriber' | 'pharmacy';
  name: string;
  profession: string;
  /** The key's thumbprint (RFC 7638, SHA-256): its `kid` in the directory. */
  kid: string;
  alg: 'EdDSA' | 'ES256';
  /** Ed25519 or P-256, with `d`. */
  privateJwk: { kty: string; crv: string; x: string; y?: string; d: string };
};

export const SANDBOX_WARNING = 'SANDBOX TEST KEYS — PUBLIC, NEVER USE IN PRODUCTION';

export const sandboxActors: readonly SandboxActor[] = [
  {
    id: 'sandbox-prescriber-1',
    kind: 'prescriber',
    name: 'Dr Claire Sandbox (test)',
    profession: 'médecin',
    kid: 'Idu8J7_xLsEb0Fklll_xAU-GIK2cS4VKG9DHT5UUpNQ',
    alg: 'EdDSA',
    privateJwk: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: '50svNa7Lzg1pUx6AptNM4FQykrJdHbrklh0U8Gi5I1A',
      d: 'A6sy6-FnSJLQJcbg1aPXVNNbrROOSKqtIZfHjx_1Cvw',
    },
  },
  {
    id: 'sandbox-prescriber-2',
    kind: 'prescriber',
    name: 'Dr Hugo Sandbox (test)',
    profession: 'médecin',
    kid: 'xBveIdMu_FU6Ol6Yv-gGV-TlRh6cl39lbxn_NxDgwR4',
    alg: 'ES256',
    privateJwk: {
      kty: 'EC',
      crv: 'P-256',
      x: 'D9DUnzLwk3r1dFgx3ZuiTYiz-gST11duJbkJWyyU2Kw',
      y: 'P1csSokBAL-HM2ZXz79PBjD_cyKzZzcfigyKOi24x3g',
      d: 'xfdJSvKGh676sX-BC8IXBiRhuNYL9ewMdx6l8SgkfKo',
    },
  },
  {
    id: 'sandbox-pharmacy-1',
    kind: 'pharmacy',
    name: 'Pharmacie Sandbox des Lilas (test)',
    profession: 'pharmacien',
    kid: 't6IdNJW5tFXdwWJ-o5ByQy4mdnXzgIEdPdJpmP4J90I',
    alg: 'EdDSA',
    privateJwk: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: 'hKhisVqdHNVWHOlcS5nColErDCzFprg-tAAXZwWG-7s',
      d: 'bIXgFkGtfomn8vqd1qd8dJpwbIqDeNXMaM96CvFPVVo',
    },
  },
  {
    id: 'sandbox-pharmacy-2',
    kind: 'pharmacy',
    name: 'Pharmacie Sandbox du Port (test)',
    profession: 'pharmacien',
    kid: '-e1zKKOv2_JMv4MVdOCgDaajCE_-YnrW9chhngIrdYY',
    alg: 'ES256',
    privateJwk: {
      kty: 'EC',
      crv: 'P-256',
      x: 'pLiBRjwH0sme6Kmzt4XRaIlWwQ2wesFkmY5eAU2Uvns',
      y: 'flzZDn_GEihgFSr0ZGI3ax37QC6FpKierCOOR9EoM9s',
      d: 'hKKctC5tbj9BxYVD73vSFmrx24IJnWxe6yCaKm-38XU',
    },
  },
  {
    id: 'sandbox-pharmacy-3',
    kind: 'pharmacy',
    name: 'Pharmacie Sandbox de la Gare (test)',
    profession: 'pharmacien',
    kid: 'e_b-0Ko_4BYEEdxSEAikP6IQCNM1jkfkNzLMeSpbdSk',
    alg: 'EdDSA',
    privateJwk: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: 'b9ZMsrlFxXp7DrejffhPP1pRr2jauPLbdnKLku1gqHo',
      d: 'agAJ2a_wg77Mq8JGkZJWBHCdnaJYIQUyHIQ071ozmPM',
    },
  },
];

const sandboxKids = new Set(sandboxActors.map((a) => a.kid));

/** Whether `kid` is one of the published test keys. */
export const isSandboxKid = (kid: string) => sandboxKids.has(kid);

/**
 * Outside a sandbox, a published test key may not become an actor's key: anyone holds its
 * private half. 400 `bad_request`, naming why; nothing is written.
 */
export function refuseSandboxKeys(sandbox: boolean, kids: readonly string[]): void {
  if (sandbox || !kids.some(isSandboxKid)) return;
  throw new OrdoError('bad_request', 'This key is one of the published sandbox test keys (sandbox/ in the repository): anyone holds its private half, so it is accepted only by a sandbox (ORDO_SANDBOX=1). Generate a key of your own.');
}
