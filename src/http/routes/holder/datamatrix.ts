import { createRoute, z } from '@hono/zod-openapi';
import { renderDataMatrix } from '../../../barcode/datamatrix.js';
import { codeView, resolveCode } from '../../../service/code-access.js';
import { problems, router } from '../../openapi.js';
import { CodeInput } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/datamatrix',
  tags: ['Code holder'],
  summary: 'The DataMatrix of a code, as an image',
  request: {
    body: { content: { 'application/json': { schema: z.object({ code: CodeInput, format: z.enum(['svg', 'png']) }).strict() } }, required: true },
  },
  responses: {
    200: {
      description: 'The image',
      content: { 'image/svg+xml': { schema: z.string() }, 'image/png': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...problems(400, 404, 413, 415, 429),
  },
});

export const dataMatrix = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const body = c.req.valid('json');
  const { row } = await resolveCode(deps, body.code, deps.clientAddress(c));
  // Always the current payload, whatever form the code was given in.
  const { payload } = await codeView(deps, row);
  const image = await renderDataMatrix(payload, body.format);
  c.header('Cache-Control', 'no-store');
  if ('svg' in image) return c.body(image.svg, 200, { 'Content-Type': 'image/svg+xml' });
  return c.body(image.png as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'image/png' });
});
