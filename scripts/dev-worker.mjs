#!/usr/bin/env node
/**
 * `npm run dev:worker`: Ordo on the Workers runtime, locally. Applies the migrations to a local
 * D1, then runs `wrangler dev` on PORT (default 8787), with ORDO_ISSUER http://localhost:PORT
 * unless set. ORDO_* variables of the environment are
 * passed to the Worker and override .dev.vars; secrets missing from both are generated into
 * .dev.vars (mode 0600, ignored by git) on the first run. ORDO_WRANGLER_STATE sets where the
 * local D1 lives (default .wrangler/state).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';

const wrangler = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
const port = process.env.PORT ?? '8787';
const persist = process.env.ORDO_WRANGLER_STATE ? ['--persist-to', process.env.ORDO_WRANGLER_STATE] : [];
const b64url = (b) => b.toString('base64url');

const devVars = existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '';
const missing = ['ORDO_ADMIN_TOKEN', 'ORDO_SIGNING_KEY', 'ORDO_TOKEN_KEY'].filter((k) => !process.env[k] && !new RegExp(`^${k}=`, 'm').test(devVars));
if (missing.length) {
  const made = {
    ORDO_ADMIN_TOKEN: b64url(randomBytes(32)),
    ORDO_SIGNING_KEY: JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
    ORDO_TOKEN_KEY: b64url(randomBytes(32)),
  };
  // Single quotes: dotenv takes the value literally (a JWK is JSON, full of double quotes).
  const lines = missing.map((k) => `${k}='${made[k]}'`).join('\n');
  writeFileSync('.dev.vars', `${devVars}${devVars && !devVars.endsWith('\n') ? '\n' : ''}${lines}\n`, { mode: 0o600 });
  console.error(`generated ${missing.join(', ')} into .dev.vars`);
}

const run = (args) => spawnSync(process.execPath, [wrangler, ...args], { stdio: 'inherit', env: { WRANGLER_SEND_METRICS: 'false', ...process.env, CI: 'true' } });
if (run(['d1', 'migrations', 'apply', 'DB', '--local', ...persist]).status !== 0) process.exit(1);

// Locally the Worker is at http://localhost:PORT: that is its issuer (the `aud` clients sign
// for), not wrangler.toml's placeholder for a deployment, unless ORDO_ISSUER says otherwise.
const vars = Object.entries({ ORDO_ISSUER: `http://localhost:${port}`, ...process.env })
  .filter(([k, v]) => k.startsWith('ORDO_') && k !== 'ORDO_WRANGLER_STATE' && v)
  .flatMap(([k, v]) => ['--var', `${k}:${v}`]);
// wrangler's own node process, not npx: stopping it stops workerd too. Ordo reads nothing of
// `Request.cf`, so miniflare need not fetch it from Cloudflare (offline, that printed a stack
// trace at every start); metrics are not sent either. Either can be turned back on from outside.
const devEnv = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', ...process.env };
const child = spawn(process.execPath, [wrangler, 'dev', '--port', port, '--ip', '127.0.0.1', ...persist, ...vars], { stdio: 'inherit', env: devEnv });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
