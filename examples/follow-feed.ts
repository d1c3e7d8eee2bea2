/**
 * A pharmacy's software following its event feed instead of polling each prescription: every
 * event of every prescription it claimed, in order, each once, as it comes. The cursor is kept
 * where the software keeps its own state, so a restart goes on from the last event handled.
 */
import { OrdoClient } from '../src/client/client.js';
import { signingKeyFromJwk } from '../src/client/keys.js';
import type { JWK } from 'jose';
import type { V1FeedEvent } from '../src/contract/feed.js';

export async function followFeed(o: {
  url: string;
  /** ORDO_ISSUER of that server, when it is not `url`. */
  issuer?: string;
  pharmacyId: string;
  privateJwk: JWK;
  /** The cursor saved last time ('0' the first time). */
  cursor: string;
  /** Handles one event, then the cursor is saved: an event is handled again only if it crashed in between. */
  handle: (event: V1FeedEvent) => Promise<void>;
  saveCursor: (cursor: string) => Promise<void>;
  signal: AbortSignal;
}) {
  const ordo = new OrdoClient({ url: o.url, issuer: o.issuer, actor: { id: o.pharmacyId, key: await signingKeyFromJwk(o.privateJwk) } });
  for await (const event of ordo.feed({ after: o.cursor, wait: 25, signal: o.signal })) {
    await o.handle(event); // e.g. a `cancelled` on a prescription held for the patient: stop preparing it
    await o.saveCursor(String(event.seq));
  }
}
