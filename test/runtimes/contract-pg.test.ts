/**
 * The shared contract on Node over PostgreSQL (a database of its own on the tests' server),
 * through a real listening server.
 */
import { contractOnHarness } from '../support/contract-harness.js';

contractOnHarness('Ordo on Node with PostgreSQL', { postgres: true });
