/**
 * The Node entry (`npm start`): configuration parsed once from the environment, then one
 * process serving (ORDO_WORKERS=1) or a primary writer with worker processes (src/node/cluster.ts).
 * A bad configuration stops it with one line on stderr naming every bad variable, exit code 2.
 */
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNodeConfig } from './config/node.js';
import { ConfigError } from './config/parse.js';
import { runPrimary, runWorker } from './node/cluster.js';
import { prepareNode, serveHere } from './node/server.js';

async function main() {
  const config = parseNodeConfig(process.env);
  if (!cluster.isPrimary) return runWorker(config);
  // Secrets are generated and the database migrated once, here, before any worker opens them.
  const prepared = await prepareNode(config);
  if (config.workers === 1) await serveHere(config, prepared);
  else runPrimary(config, prepared);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    await main();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}
