/**
 * How the conformance run reaches a deployment: every request with a timeout, and a request
 * answered 503 by something in front of Ordo (not a problem document: Ordo's own 503s are JSON)
 * sent again, the same bytes, up to twice. A 503 says the request was not handled (RFC 9110
 * § 15.6.4); `wrangler dev`'s proxy answers one, "Your worker restarted mid-request", to POSTs it
 * lost on the way (cloudflare/workers-sdk#14641), which would otherwise fail a race at random.
 * If the request had reached Ordo after all, the same token sent again is `replayed_token` and
 * the check fails: the retry hides nothing. Each retry is counted for the report.
 */
const RETRIES = 2;

export type Transport = { fetch: typeof fetch; retried: () => number };

/** `fetch` with a timeout of `timeoutMs` per attempt (besides the caller's own signal, if any) and the retry above. */
export function conformanceTransport(base: typeof fetch, timeoutMs: number): Transport {
  let retried = 0;
  const send: typeof fetch = async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const res = await base(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
      const fromOrdo = (res.headers.get('content-type') ?? '').includes('json');
      if (res.status !== 503 || fromOrdo || attempt === RETRIES || (init?.body !== undefined && typeof init.body !== 'string')) return res;
      await res.body?.cancel();
      retried++;
    }
  };
  return { fetch: send, retried: () => retried };
}
