/**
 * The event feed (GET /v1/feed): the prescriber reads its prescription's every event with
 * pharmacies by kind only; the pharmacy holding the claim, waiting in a long poll, gets the
 * cancel as soon as it is recorded; a pharmacy that never claimed it reads none of it; and the
 * same events come as Server-Sent Events.
 */
import type { V1FeedEvent } from '../../contract/feed.js';
import { signRequestToken } from '../../client/sign.js';
import { expectEqual, expectStatus, expectThat, step } from '../expect.js';
import type { Check } from '../run.js';
import { paracetamol, testPatient } from './documents.js';

/** A long poll answered later than this was not woken by the cancel. */
const WAIT_S = 20;
const WOKEN_WITHIN_MS = 10_000;

const ofRx = (events: V1FeedEvent[], id: string) => events.filter((e) => e.prescriptionId === id).map((e) => `${e.index}:${e.type}`);

export const feedCheck: Check = {
  name: 'feed',
  summary: 'the event feed: the prescriber reads every event, the pharmacy holding the claim gets the cancel within one long poll, Server-Sent Events',
  async run(t) {
    const doctor = await t.actor('prescriber', 'md');
    const holder = await t.actor('pharmacy', 'ph-a');
    const stranger = await t.actor('pharmacy', 'ph-b');
    const { ordo } = t;
    const rx = await step('issuing a prescription', ordo.as(doctor).prescribe({ patient: testPatient, items: [paracetamol] }));
    await step('claiming it', ordo.as(holder).claim(rx.code));
    const before = await step('GET /v1/feed as the pharmacy', ordo.as(holder).feedPage());
    expectEqual(ofRx(before.events, rx.id), ['1:claimed'], "the pharmacy's feed of its claimed prescription, from its claim on");

    const started = Date.now();
    const waiting = step(`GET /v1/feed?wait=${WAIT_S} as the pharmacy holding the claim`, ordo.as(holder).feedPage({ after: before.cursor, wait: WAIT_S }));
    await new Promise((r) => setTimeout(r, 300));
    await step('cancelling it', ordo.as(doctor).cancel(rx.id, 'Erreur de posologie'));
    const woken = await waiting;
    expectEqual(ofRx(woken.events, rx.id), ['2:cancelled'], 'the long poll of the pharmacy holding the claim');
    expectThat(Date.now() - started < WOKEN_WITHIN_MS, `the long poll answered as the cancel was recorded (within ${WOKEN_WITHIN_MS / 1000} s)`, `${Date.now() - started} ms`);

    const mine = await step('GET /v1/feed as the prescriber', ordo.as(doctor).feedPage());
    expectEqual(ofRx(mine.events, rx.id), ['0:issued', '1:claimed', '2:cancelled'], "the prescriber's feed");
    expectEqual(mine.events.find((e) => e.prescriptionId === rx.id && e.type === 'claimed')?.actor, { kind: 'pharmacy' }, 'a pharmacy in the prescriber\'s feed');
    expectEqual(ofRx((await step('GET /v1/feed as a pharmacy that never claimed it', ordo.as(stranger).feedPage())).events, rx.id), [], 'the feed of a pharmacy that never claimed it');

    // Server-Sent Events: what is there comes at once, from the cursor given as Last-Event-ID.
    const token = await signRequestToken({ key: holder.key, iss: holder.id, aud: ordo.issuer, method: 'GET', path: '/v1/feed', now: Math.floor(ordo.now() / 1000) });
    const abort = new AbortController();
    const res = await step('GET /v1/feed as Server-Sent Events', t.rawFetch('/v1/feed', { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'last-event-id': '0' }, signal: abort.signal }));
    await expectStatus(res, 200, 'GET /v1/feed with Accept: text/event-stream');
    expectThat((res.headers.get('content-type') ?? '').startsWith('text/event-stream'), 'the stream is text/event-stream', res.headers.get('content-type'));
    let text = '';
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    // The stream stays open: read until the cancel has come, or the time is up.
    const timer = setTimeout(() => abort.abort(), WOKEN_WITHIN_MS);
    try {
      while (!text.includes('"cancelled"')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted: the time is up; what came is judged below
    } finally {
      clearTimeout(timer);
      abort.abort();
      await reader.cancel().catch(() => undefined);
    }
    const streamed = text.split('\n\n').flatMap((m) => m.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as V1FeedEvent));
    expectEqual(ofRx(streamed, rx.id), ['1:claimed', '2:cancelled'], 'the Server-Sent Events of the pharmacy holding the claim');
    const ids = text.split('\n').filter((l) => l.startsWith('id: ')).map((l) => l.slice(4));
    expectEqual(ids, streamed.map((e) => String(e.seq)), 'each event\'s id: its seq');
  },
};
