/** Retired receipt keys on Workers: ORDO_RETIRED_SIGNING_KEYS (vitest.workers.config.ts) is published after the current key. */
import { env, SELF } from 'cloudflare:test';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import { expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { generateKey } from '../../src/client/sign.js';

const e = env as unknown as { ORDO_ADMIN_TOKEN: string; ORDO_RETIRED_SIGNING_KEYS: string };

it('lists the retired key (public half only) after the current one, and signs with the current one', async () => {
  const [given] = JSON.parse(e.ORDO_RETIRED_SIGNING_KEYS) as JWK[];
  const { keys } = (await (await SELF.fetch('https://ordo.test/.well-known/jwks.json')).json()) as { keys: JWK[] };
  expect(keys).toHaveLength(2);
  expect(keys[1]).toEqual({ kty: 'EC', crv: 'P-256', x: given!.x, y: given!.y, kid: await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: given!.x, y: given!.y }), alg: 'ES256', use: 'sig' });
  const ordo = new OrdoClient({ url: 'https://ordo.test', adminToken: e.ORDO_ADMIN_TOKEN, fetch: ((url: string, init: RequestInit) => SELF.fetch(url, init)) as typeof fetch });
  expect(await ordo.jwks()).toEqual({ keys });
  const md = { id: 'w-retired-md', key: await generateKey() };
  await ordo.addActor({ id: md.id, kind: 'prescriber', name: 'Dr Retired', keys: [md.key.publicJwk] });
  const rx = await ordo.as(md).prescribe({
    patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
    items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3', quantity: 1, unit: 'boîte' }],
  });
  expect(decodeProtectedHeader(rx.receipt).kid).toBe(keys[0]!.kid);
});
