/**
 * The transparency log over HTTP (docs/design.md § Transparency log): the checkpoint, the tiles
 * and entry bundles in the C2SP tlog-tiles layout under /log/, the note key beside the JWKS,
 * every checkpoint kept, and inclusion and consistency proofs. Tiles never change once served
 * (a partial tile's URL names its width): a CDN may keep them for good. The checkpoint changes:
 * revalidate it.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { CheckpointParams, CheckpointRecordSchema, ConsistencyQuery, ConsistencySchema, InclusionQuery, InclusionSchema, sample } from '../../../contract/index.js';
import { OrdoError } from '../../../domain/errors.js';
import { encodeBase64 } from '../../../log/note.js';
import { parseTilePath } from '../../../log/tiles.js';
import { logVerifierKey } from '../../../service/log/keys.js';
import { checkpointOf, entryBundle, latest, proveConsistency, proveInclusion, publishedNote, tileBytes } from '../../../service/log/read.js';
import { problems, router } from '../../openapi.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const text = (description: string, example: string, type = 'text/plain') => ({ description, content: { [type]: { schema: z.string(), example } } });

const checkpoint = createRoute({
  method: 'get', path: '/log/checkpoint', operationId: 'getLogCheckpoint', tags: ['Log'],
  summary: 'The latest checkpoint (C2SP tlog-checkpoint as a signed note, with witness cosignatures)',
  responses: { 200: text('The signed note', sample.checkpoint), ...problems(404) },
});
const key = createRoute({
  method: 'get', path: '/.well-known/ordo-log-key', operationId: 'getLogKey', tags: ['Log'],
  summary: "The log's note key (C2SP verifier key: origin+key id+base64)",
  responses: { 200: text('The verifier key, one line', `${sample.logKey}\n`) },
});
const record = createRoute({
  method: 'get', path: '/log/checkpoints/{size}', operationId: 'getLogCheckpointRecord', tags: ['Log'],
  summary: 'A checkpoint Ordo signed, by size, with its cosignatures and timestamp',
  request: { params: CheckpointParams },
  responses: { 200: { description: 'The checkpoint', content: { 'application/json': { schema: CheckpointRecordSchema } } }, ...problems(400, 404) },
});
const tsa = createRoute({
  method: 'get', path: '/log/tsa.pem', operationId: 'getTsaCertificates', tags: ['Log'],
  summary: 'The TSA certificates of ORDO_LOG_TSA_CERT, what a checkpoint timestamp is checked against',
  responses: { 200: text('PEM certificates', '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n', 'application/x-pem-file'), ...problems(404) },
});
const inclusion = createRoute({
  method: 'get', path: '/log/proof/inclusion', operationId: 'proveInclusion', tags: ['Log'],
  summary: 'Inclusion proof of a leaf (RFC 9162 § 2.1.3)',
  request: { query: InclusionQuery },
  responses: { 200: { description: 'The proof', content: { 'application/json': { schema: InclusionSchema } } }, ...problems(400, 404) },
});
const consistency = createRoute({
  method: 'get', path: '/log/proof/consistency', operationId: 'proveConsistency', tags: ['Log'],
  summary: 'Consistency proof between two tree sizes (RFC 9162 § 2.1.4)',
  request: { query: ConsistencyQuery },
  responses: { 200: { description: 'The proof', content: { 'application/json': { schema: ConsistencySchema } } }, ...problems(400, 404) },
});

export const logRoutes = router()
  .openapi(checkpoint, async (c) => c.text(publishedNote(await latest(c.var.deps)), 200, { 'Cache-Control': 'no-cache' }))
  .openapi(key, async (c) => c.text(`${await logVerifierKey(c.var.deps)}\n`, 200, { 'Cache-Control': 'public, max-age=300' }))
  .openapi(record, async (c) => {
    const r = await checkpointOf(c.var.deps, c.req.valid('param').size);
    const certs = c.var.deps.config.log.tsa?.certs ?? [];
    const stamp = r.timestamp && { timestamp: encodeBase64(r.timestamp), ...(certs.length && { tsaCertificates: certs }) };
    return c.json({ size: r.size, checkpoint: publishedNote(r), signedAt: new Date(r.at).toISOString(), ...stamp }, 200);
  })
  .openapi(inclusion, async (c) => {
    const q = c.req.valid('query');
    const p = await proveInclusion(c.var.deps, q.index, q.size);
    return c.json({ ...p, proof: p.proof.map(encodeBase64) }, 200);
  })
  .openapi(consistency, async (c) => {
    const q = c.req.valid('query');
    const p = await proveConsistency(c.var.deps, q.from, q.size);
    return c.json({ ...p, proof: p.proof.map(encodeBase64) }, 200);
  })
  .openapi(tsa, (c) => {
    const certs = c.var.deps.config.log.tsa?.certs ?? [];
    if (!certs.length) throw new OrdoError('not_found', 'No TSA certificate is configured (ORDO_LOG_TSA_CERT).');
    return c.body(`${certs.join('\n')}\n`, 200, { 'Content-Type': 'application/x-pem-file', 'Cache-Control': 'public, max-age=300' });
  })
  // C2SP tlog-tiles: tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>].
  .get('/log/tile/*', async (c) => {
    const t = parseTilePath(c.req.path.slice('/log/'.length));
    if (!t) throw new OrdoError('not_found', 'Not a tile path (C2SP tlog-tiles: tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>]).');
    const body = t.level === 'entries' ? await entryBundle(c.var.deps, t.index, t.width) : await tileBytes(c.var.deps, t.level, t.index, t.width);
    if (!body) throw new OrdoError('not_found', 'The latest checkpoint does not cover this tile (yet): read /log/checkpoint first.');
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': IMMUTABLE });
  });
