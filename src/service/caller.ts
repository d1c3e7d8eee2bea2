/** Who is acting, as the request-token middleware established it: what every service receives. */
import type { KeyAlg } from '../crypto/keys.js';
import type { ActorRow, TokenUse } from '../store/types.js';

export type Caller = {
  actor: ActorRow;
  kid: string;
  alg: KeyAlg;
  /** The request token as sent: the proof of the events it authorises. */
  token: string;
  sub: string | undefined;
  /** Its replay record, written with the step it authorises. */
  use: TokenUse;
};

/** The caller as an event names it. */
export const actorOf = (c: Pick<Caller, 'actor' | 'kid'>) => ({ id: c.actor.id, kind: c.actor.kind, kid: c.kid });
