/**
 * The Node entry (`npm start`): configuration parsed once from the environment, then one
 * process serving (ORDO_WORKERS=1) or a primary writer with worker processes (src/node/cluster.ts).
 * A bad configuration stops it with one line on stderr naming every bad variable, exit code 2;
 * so does any other failure at start (a port in use…): one line naming the cause, never a stack
 * trace. In the cluster, the primary prints a worker's failure (src/node/cluster.ts).
 */
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNodeConfig } from './config/node.js';
import { runPrimary, runWorker } from './node/cluster.js';
import { prepareNode, serveHere, startFailure } from './node/server.js';

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
    console.error(startFailure(err));
    process.exit(2);
  }
}
