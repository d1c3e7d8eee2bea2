/** What every Ordo serves to anyone: health, its keys, the OpenAPI document and /docs, the three pages. */
import { expectEqual, expectMatch, expectStatus, expectThat, step } from '../expect.js';
import type { Check, CheckTarget } from '../run.js';

const get = (t: CheckTarget, path: string, init?: RequestInit) => step(`GET ${path}`, t.rawFetch(path, init));

export const serviceCheck: Check = {
  name: 'service',
  summary: 'health, the JWKS, the OpenAPI document and the /docs assets are served',
  async run(t) {
    const health = await get(t, '/healthz');
    await expectStatus(health, 200, 'GET /healthz');
    // A sandbox also says so (`sandbox: { now }`): a match, not an equality.
    expectMatch(await health.json(), { status: 'ok', database: 'ok' }, 'GET /healthz');
    const jwks = await step('GET /.well-known/jwks.json', t.ordo.jwks());
    const kid = (jwks.keys[0] as { kid?: unknown } | undefined)?.kid;
    expectThat(typeof kid === 'string' && /^[A-Za-z0-9_-]{43}$/.test(kid), 'the JWKS: its first key has a 43-character kid', jwks.keys[0]);
    const openapi = await get(t, '/openapi.json');
    await expectStatus(openapi, 200, 'GET /openapi.json');
    const doc = (await openapi.json()) as { openapi?: unknown; paths?: Record<string, unknown> };
    expectThat(typeof doc.openapi === 'string' && doc.openapi.startsWith('3.'), 'GET /openapi.json: an OpenAPI 3 document', doc.openapi);
    expectThat(doc.paths?.['/v1/claims'] !== undefined, 'GET /openapi.json: describes /v1/claims', Object.keys(doc.paths ?? {}));
    const bundle = await get(t, '/docs/swagger-ui-bundle.js');
    await expectStatus(bundle, 200, 'GET /docs/swagger-ui-bundle.js');
    const size = (await bundle.text()).length;
    expectThat(size > 100_000, 'GET /docs/swagger-ui-bundle.js: Swagger UI (over 100 000 characters)', size);
  },
};

export const pagesCheck: Check = {
  name: 'pages',
  summary: 'the prescribe, counter and patient pages and their scripts and styles are served by Ordo itself',
  async run(t) {
    for (const page of ['prescribe', 'counter', 'patient']) {
      const res = await get(t, `/${page}`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
      await expectStatus(res, 200, `GET /${page}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expectThat(csp.includes("script-src 'self'"), `GET /${page}: a Content-Security-Policy with script-src 'self'`, csp);
      expectThat((await res.text()).includes('<html lang="en">'), `GET /${page} with Accept-Language en: the English page`);
      const script = await get(t, `/app/${page}.js`);
      await expectStatus(script, 200, `GET /app/${page}.js`);
      const type = script.headers.get('content-type') ?? '';
      expectThat(type.includes('javascript'), `GET /app/${page}.js: a JavaScript content type`, type);
      const size = (await script.text()).length;
      expectThat(size > 10_000, `GET /app/${page}.js: the built script (over 10 000 characters)`, size);
    }
    const css = await get(t, '/app/style.css');
    expectEqual([css.status, css.headers.get('content-type')?.split(';')[0]], [200, 'text/css'], 'GET /app/style.css status and type');
    await css.body?.cancel();
    const none = await get(t, '/app/nothing.js');
    await none.body?.cancel();
    await expectStatus(none, 404, 'GET /app/nothing.js');
  },
};
