/**
 * On Workers, the secrets must be the keys the D1 database goes with (src/worker.ts, when the app
 * is built): a database sealed under another token key, or with receipts signed by a key that is
 * neither ORDO_SIGNING_KEY nor retired, answers 503 misconfigured on every request, naming the
 * secret (never a value, nor a key id); once they match, Ordo serves and the database records
 * the ids of its keys. (On Node: test/runtimes/token-key-guard.test.ts.)
 */
import { env, SELF } from 'cloudflare:test';
import { base64url, type JWK } from 'jose';
import { expect, it } from 'vitest';
import { loadTokenKey, publicReceiptJwk, loadSigner } from '../../src/crypto/ordo-keys.js';
import { webSuite } from '../../src/crypto/suite/web.js';

type D1 = { prepare(sql: string): { bind(...v: unknown[]): { run(): Promise<unknown>; all<T>(): Promise<{ results: T[] }> } } };
const e = env as unknown as { DB: D1; ORDO_TOKEN_KEY: string; ORDO_SIGNING_KEY: string; ORDO_RETIRED_SIGNING_KEYS: string };
const sql = (query: string, ...values: unknown[]) => e.DB.prepare(query).bind(...values);
const healthz = async () => {
  const res = await SELF.fetch('https://ordo.test/healthz');
  return { status: res.status, body: (await res.json()) as { code?: string; detail?: string } };
};

it('refuses a database sealed under another token key, or signed by an unknown key, then serves once they match', async () => {
  const tokenKeyId = (await loadTokenKey(base64url.decode(e.ORDO_TOKEN_KEY))).id;
  const kid = (await loadSigner(JSON.parse(e.ORDO_SIGNING_KEY) as JWK, webSuite)).kid;
  const retiredKid = (await publicReceiptJwk((JSON.parse(e.ORDO_RETIRED_SIGNING_KEYS) as JWK[])[0]!)).kid;
  const foreignToken = 'c29tZW9uZS1lbHNlcy1r';
  const foreignKid = 'someone-elses-receipt-key-thumbprint-0000000';
  await sql(`insert into ordo_keys (kind, id, added_at) values ('token', ?, 'then'), ('signing', ?, 'then'), ('signing', ?, 'then')`, foreignToken, foreignKid, retiredKid).run();

  const both = await healthz();
  expect(both.status).toBe(503);
  expect(both.body.code).toBe('misconfigured');
  expect(both.body.detail).toMatch(/ORDO_TOKEN_KEY: not the token key this D1 database \(DB\) was sealed with/);
  expect(both.body.detail).toMatch(/ORDO_SIGNING_KEY: receipts in this D1 database \(DB\) are signed by a key that is neither this one nor a retired one/);
  for (const secret of [foreignToken, foreignKid, tokenKeyId, kid, e.ORDO_TOKEN_KEY]) expect(both.body.detail).not.toContain(secret);

  await sql(`delete from ordo_keys where id = ?`, foreignToken).run();
  const signing = await healthz();
  expect(signing.status).toBe(503);
  expect(signing.body.detail).not.toMatch(/ORDO_TOKEN_KEY/);
  expect(signing.body.detail).toMatch(/ORDO_SIGNING_KEY: .*ORDO_RETIRED_SIGNING_KEYS/);

  // A receipt key that is retired is fine: it is published, its receipts verify.
  await sql(`delete from ordo_keys where id = ?`, foreignKid).run();
  expect((await healthz()).status).toBe(200);
  const rows = (await sql('select kind, id from ordo_keys order by kind, id').all<{ kind: string; id: string }>()).results;
  expect(rows).toEqual([
    ...[kid, retiredKid].sort().map((id) => ({ kind: 'signing', id })),
    { kind: 'token', id: tokenKeyId },
  ]);
});
