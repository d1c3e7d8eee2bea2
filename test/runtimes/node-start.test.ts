/**
 * The Node entry as a user meets it: first start generates secrets (0700/0600) apart from the
 * database, a second start reuses them, bad configuration stops with a clear message.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { workerCount } from '../../src/node/cluster.js';
import { startNode } from '../../src/node/server.js';
import { runOrdoProcessToExit } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PORT: '0', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets') };
const quiet = { log: () => {} };

it('generates secrets on first start and reuses them on the second', async () => {
  const first = await startNode({ env, ...quiet });
  try {
    expect(first.generated.sort()).toEqual(['admin-token', 'signing-key.jwk', 'token-key']);
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    for (const f of first.generated) expect(statSync(join(dir, 'secrets', f)).mode & 0o777).toBe(0o600);
    const res = await fetch(`http://127.0.0.1:${first.port}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok' });
    const docs = await fetch(`http://127.0.0.1:${first.port}/docs/swagger-ui-bundle.js`);
    expect(docs.status).toBe(200);
  } finally {
    await first.close();
  }
  const jwks1 = readFileSync(join(dir, 'secrets/signing-key.jwk'), 'utf8');
  const second = await startNode({ env, ...quiet });
  try {
    expect(second.generated).toEqual([]);
    expect(readFileSync(join(dir, 'secrets/signing-key.jwk'), 'utf8')).toBe(jwks1);
    const admin = readFileSync(join(dir, 'secrets/admin-token'), 'utf8').trim();
    const res = await fetch(`http://127.0.0.1:${second.port}/v1/admin/actors/nobody/suspend`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(404); // authenticated: the token on disk is the one in use
  } finally {
    await second.close();
  }
});

it('refuses secrets inside the database folder, and bad values, with a message naming the variable', async () => {
  await expect(startNode({ env: { ...env, ORDO_SECRETS: join(dir, 'data/keys') }, ...quiet })).rejects.toThrow(/ORDO_SECRETS/);
  await expect(startNode({ env: { ...env, ORDO_CLAIM_TTL: 'ten' }, ...quiet })).rejects.toThrow(/ORDO_CLAIM_TTL/);
  await expect(startNode({ env: { ...env, ORDO_TZ: 'Mars/Olympus' }, ...quiet })).rejects.toThrow(/ORDO_TZ/);
  await expect(startNode({ env: { ...env, ORDO_TOKEN_KEY: 'c2hvcnQ' }, ...quiet })).rejects.toThrow(/ORDO_TOKEN_KEY/);
  await expect(startNode({ env: { ...env, ORDO_ISSUER: 'not a url' }, ...quiet })).rejects.toThrow(/ORDO_ISSUER/);
  await expect(startNode({ env: { ...env, ORDO_TRUST_PROXY: 'yes' }, ...quiet })).rejects.toThrow(/ORDO_TRUST_PROXY/);
  for (const bad of ['0', '-1', '1.5', 'two', '65']) expect(() => workerCount({ ORDO_WORKERS: bad })).toThrow(/ORDO_WORKERS/);
  expect(workerCount({ ORDO_WORKERS: '3' })).toBe(3);
  expect(workerCount({})).toBe(availableParallelism());
});

it('`npm start` with a bad configuration: one line on stderr naming every bad variable, exit code 2, nothing created', async () => {
  const at = join(dir, 'refused');
  const r = await runOrdoProcessToExit({ PORT: 'http', ORDO_TRUST_PROXY: 'yes', ORDO_CLAIM_TTL: 'ten', ORDO_DB: join(at, 'data/ordo.db'), ORDO_SECRETS: join(at, 'secrets'), ORDO_WORKERS: '' });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual([
    'Invalid configuration: ORDO_CLAIM_TTL: a whole number of seconds; PORT: a port number, 0 to 65535; ORDO_TRUST_PROXY: 1 (behind a reverse proxy that sets X-Forwarded-For) or 0',
  ]);
  expect(existsSync(at)).toBe(false);
});
