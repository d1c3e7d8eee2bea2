/**
 * The shared contract on Node, over better-sqlite3, through a real listening server, committing
 * through a writer thread as one process does (`npm start` with ORDO_WORKERS=1).
 */
import { contractOnHarness } from '../support/contract-harness.js';

contractOnHarness('Ordo on Node with SQLite and a writer thread', { writerThread: true });
