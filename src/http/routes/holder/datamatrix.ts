import { createRoute } from '@hono/zod-openapi';
import { DataMatrixPngSchema, DataMatrixRequestSchema, DataMatrixSvgSchema } from '../../../contract/index.js';
import { dataMatrixOf } from '../../../service/lookup.js';
import { problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/datamatrix',
  operationId: 'renderDataMatrix',
  tags: ['Code holder'],
  summary: 'The DataMatrix of a code, as an image',
  request: {
    body: { content: { 'application/json': { schema: DataMatrixRequestSchema } }, required: true },
  },
  responses: {
    200: {
      description: 'The image',
      content: { 'image/svg+xml': { schema: DataMatrixSvgSchema }, 'image/png': { schema: DataMatrixPngSchema } },
    },
    ...problems(400, 404, 413, 415, 429),
  },
});

export const dataMatrix = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const body = c.req.valid('json');
  const image = await dataMatrixOf(deps, body.code, body.format, deps.clientAddress(c));
  c.header('Cache-Control', 'no-store');
  if ('svg' in image) return c.body(image.svg, 200, { 'Content-Type': 'image/svg+xml' });
  return c.body(image.png as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'image/png' });
});
