#!/usr/bin/env node
// Prints a fresh value for one of Ordo's secrets, to pipe into `wrangler secret put`:
//   node scripts/new-secret.mjs admin | npx wrangler secret put ORDO_ADMIN_TOKEN
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const kind = process.argv[2];
const values = {
  admin: () => randomBytes(32).toString('base64url'),
  signing: () => JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
  token: () => randomBytes(32).toString('base64url'),
  // The log's note key (ORDO_LOG_KEY): Ed25519, whatever the receipt key's curve.
  log: () => JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
};
if (!values[kind]) {
  console.error('usage: node scripts/new-secret.mjs admin|signing|token|log');
  process.exit(2);
}
process.stdout.write(values[kind]());
