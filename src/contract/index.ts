/**
 * The wire contract of Ordo's HTTP API: every request and response schema, in one place. The
 * routes build the OpenAPI document from these schemas and validate with them; the SDK, the
 * pages and the tests take their types from here (`import type` only outside the server, so
 * zod stays out of browser bundles).
 *
 * Only zod (through @hono/zod-openapi) and src/domain are imported here.
 */
export * from './common.js';
export * from './prescriptions.js';
export * from './claims.js';
export * from './holder.js';
export * from './directory.js';
export * from './enrol.js';
export * from './admin.js';
export * from './system.js';
export * from './log.js';
